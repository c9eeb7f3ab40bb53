/**
 * exact comparison of product name keys and barcodes on MySQL
 *
 * Revision ID: 90127f625a40
 * Revises: c8217e73ef67
 * Create Date: 2026-11-27 13:42:14.948000
 */
import type { Operations } from 'expireeye/migrate';

// revision identifiers, used by the migration engine.
export const revision = '90127f625a40';
export const downRevision: string | string[] | null = 'c8217e73ef67';
export const branchLabels: string[] | null = null;
export const dependsOn: string[] | null = null;

// On MySQL/MariaDB only (the other databases already compare text exactly): the unique name key and
// barcode (and the scan log's barcode, so the two compare alike) were under the default utf8mb4 collation, which ignores accents and case, so "Musli" was
// refused as a duplicate of "Müsli" and barcode `ab12` of `AB12`. utf8mb4_bin is finer than that
// collation, so the upgrade cannot meet duplicates; the downgrade can, where two values now differ
// only by accents or case.
export async function upgrade(op: Operations): Promise<void> {
  // ### commands auto generated - please review and adjust! ###
  // WARNING: changes the collation of 'products.name_key': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('products', 'name_key', {
    collation: { mysql: 'utf8mb4_bin' },
    existing: { type: 'string(300)', nullable: false },
  });
  // WARNING: changes the collation of 'products.barcode': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('products', 'barcode', {
    collation: { mysql: 'utf8mb4_bin' },
    existing: { type: 'string(64)', nullable: true },
  });
  // WARNING: changes the collation of 'scan_logs.barcode': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('scan_logs', 'barcode', {
    collation: { mysql: 'utf8mb4_bin' },
    existing: { type: 'string(64)', nullable: true },
  });
  // ### end of commands ###
}

export async function downgrade(op: Operations): Promise<void> {
  // ### commands auto generated - please review and adjust! ###
  // WARNING: changes the collation of 'scan_logs.barcode': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('scan_logs', 'barcode', {
    collation: { mysql: null },
    existing: { type: 'string(64)', nullable: true, collation: { mysql: 'utf8mb4_bin' } },
  });
  // WARNING: changes the collation of 'products.barcode': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('products', 'barcode', {
    collation: { mysql: null },
    existing: { type: 'string(64)', nullable: true, collation: { mysql: 'utf8mb4_bin' } },
  });
  // WARNING: changes the collation of 'products.name_key': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('products', 'name_key', {
    collation: { mysql: null },
    existing: { type: 'string(300)', nullable: false, collation: { mysql: 'utf8mb4_bin' } },
  });
  // ### end of commands ###
}
