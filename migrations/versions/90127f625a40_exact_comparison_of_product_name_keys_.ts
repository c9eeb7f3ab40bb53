/**
 * exact comparison and code-point order of product name keys and barcodes
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

// The unique name key and the barcodes compare exactly and sort by code point on every database,
// as on SQLite. MySQL/MariaDB's default utf8mb4 collation ignored accents and case, so "Musli" was
// refused as a duplicate of "Müsli" and barcode `ab12` of `AB12`; utf8mb4_bin is finer, so the
// upgrade cannot meet duplicates (the downgrade can, where two values differ only by accents or
// case). PostgreSQL compared exactly already, but sorted by the database's locale: "C" makes lists
// ordered by the key page alike everywhere. The scan log's barcode follows the catalogue's.
export async function upgrade(op: Operations): Promise<void> {
  // ### commands auto generated - please review and adjust! ###
  // WARNING: changes the collation of 'products.name_key': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('products', 'name_key', {
    collation: { mysql: 'utf8mb4_bin', postgres: 'C' },
    existing: { type: 'string(300)', nullable: false },
  });
  // WARNING: changes the collation of 'products.barcode': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('products', 'barcode', {
    collation: { mysql: 'utf8mb4_bin', postgres: 'C' },
    existing: { type: 'string(64)', nullable: true },
  });
  // WARNING: changes the collation of 'scan_logs.barcode': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('scan_logs', 'barcode', {
    collation: { mysql: 'utf8mb4_bin', postgres: 'C' },
    existing: { type: 'string(64)', nullable: true },
  });
  // ### end of commands ###
}

export async function downgrade(op: Operations): Promise<void> {
  // ### commands auto generated - please review and adjust! ###
  // WARNING: changes the collation of 'scan_logs.barcode': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('scan_logs', 'barcode', {
    collation: { mysql: null, postgres: null },
    existing: { type: 'string(64)', nullable: true, collation: { mysql: 'utf8mb4_bin', postgres: 'C' } },
  });
  // WARNING: changes the collation of 'products.barcode': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('products', 'barcode', {
    collation: { mysql: null, postgres: null },
    existing: { type: 'string(64)', nullable: true, collation: { mysql: 'utf8mb4_bin', postgres: 'C' } },
  });
  // WARNING: changes the collation of 'products.name_key': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('products', 'name_key', {
    collation: { mysql: null, postgres: null },
    existing: { type: 'string(300)', nullable: false, collation: { mysql: 'utf8mb4_bin', postgres: 'C' } },
  });
  // ### end of commands ###
}
