/**
 * scanning and product data
 *
 * Revision ID: 63a6627b1c48
 * Revises: 3f2a9c1d7e5b
 * Create Date: 2026-11-25 18:30:00.000000
 */
import type { Operations } from 'expireeye/migrate';

// revision identifiers, used by the migration engine.
export const revision = '63a6627b1c48';
export const downRevision: string | string[] | null = '3f2a9c1d7e5b';
export const branchLabels: string[] | null = null;
export const dependsOn: string[] | null = null;

export async function upgrade(op: Operations): Promise<void> {
  // Products: the brand from the barcode provider, and the state of the background nutrition retry.
  await op.addColumn('products', { name: 'brand', type: 'string(255)', nullable: true });
  await op.addColumn('products', {
    name: 'nutrition_attempts',
    type: 'integer',
    nullable: false,
    default: 0,
  });
  await op.addColumn('products', { name: 'nutrition_next_attempt_at', type: 'timestamp', nullable: true });
  await op.createIndex('ix_products_nutrition_due', 'products', [
    'nutrition_status',
    'nutrition_next_attempt_at',
  ]);

  // Scan log: which symbology was read.
  await op.addColumn('scan_logs', { name: 'format', type: 'string(20)', nullable: true });

  // Inventory: where an item is kept (the shelf-life estimate depends on it).
  await op.addColumn('user_products', { name: 'storage', type: 'string(10)', nullable: true });
  await op.createCheckConstraint(
    'ck_user_products_storage',
    'user_products',
    "storage IN ('pantry', 'fridge', 'freezer')",
  );
}

export async function downgrade(op: Operations): Promise<void> {
  await op.dropConstraint('ck_user_products_storage', 'user_products', 'check');
  await op.dropColumn('user_products', 'storage');
  await op.dropColumn('scan_logs', 'format');
  await op.dropIndex('ix_products_nutrition_due', 'products');
  await op.dropColumn('products', 'nutrition_next_attempt_at');
  await op.dropColumn('products', 'nutrition_attempts');
  await op.dropColumn('products', 'brand');
}
