/**
 * index foreign keys PostgreSQL and SQLite would scan for
 *
 * Revision ID: 33fc795be171
 * Revises: 812144e6c60c
 * Create Date: 2026-11-27 17:09:03.336000
 */
import type { Operations } from 'expireeye/migrate';

// revision identifiers, used by the migration engine.
export const revision = '33fc795be171';
export const downRevision: string | string[] | null = '812144e6c60c';
export const branchLabels: string[] | null = null;
export const dependsOn: string[] | null = null;

/**
 * Foreign-key columns that queries look up by and that only MySQL/MariaDB indexed by themselves:
 * on PostgreSQL and SQLite, deleting a product (RESTRICT on user_products, SET NULL on scan_logs),
 * checking whose inventory holds one, and deleting an account (its products) scanned whole tables
 * — seconds for a large catalogue, past the request's bound. On MySQL the new indexes take over
 * from InnoDB's own; the downgrade gives those back (dropping the last index a key can use
 * re-creates the key around it).
 */
export async function upgrade(op: Operations): Promise<void> {
  await op.createIndex('ix_products_created_by', 'products', ['created_by']);
  await op.createIndex('ix_scan_logs_product_id', 'scan_logs', ['product_id']);
  await op.createIndex('ix_user_products_product_id', 'user_products', ['product_id']);
}

export async function downgrade(op: Operations): Promise<void> {
  await op.dropIndex('ix_user_products_product_id', 'user_products');
  await op.dropIndex('ix_scan_logs_product_id', 'scan_logs');
  await op.dropIndex('ix_products_created_by', 'products');
}
