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
// upgrade cannot meet duplicates (the downgrade can, where two barcodes differ only by accents or
// case: it refuses them before changing anything). Revision 5d1c0a7e9b3f now creates the name key
// in utf8mb4_bin already, so on MySQL/MariaDB this changes it only for databases upgraded before
// that, and the downgrade leaves it exact. PostgreSQL compared exactly already, but sorted by the
// database's locale: "C" makes lists ordered by the key page alike everywhere. The scan log's barcode follows the catalogue's.
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
  await refuseBarcodesEqualUnderDefault(op);
  // WARNING: changes the collation of 'products.barcode': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal (checked above,
  // on MySQL/MariaDB; first, so that an `--sql` script meeting such barcodes stops before any change)
  await op.alterColumn('products', 'barcode', {
    collation: { mysql: null, postgres: null },
    existing: { type: 'string(64)', nullable: true, collation: { mysql: 'utf8mb4_bin', postgres: 'C' } },
  });
  // WARNING: changes the collation of 'scan_logs.barcode': comparisons, ordering and unique keys on it follow
  // the new one; fails if a unique key then finds values equal
  await op.alterColumn('scan_logs', 'barcode', {
    collation: { mysql: null, postgres: null },
    existing: { type: 'string(64)', nullable: true, collation: { mysql: 'utf8mb4_bin', postgres: 'C' } },
  });
  // The name key keeps utf8mb4_bin on MySQL/MariaDB: revision 5d1c0a7e9b3f creates it so (the key
  // is unique, and names that head keeps apart, "Granola Musli" and "Granola Müsli", must stay
  // two keys below this revision too), so there is nothing to restore. A database upgraded
  // before 5d1c0a7e9b3f said so had the default collation there; it keeps the exact one, which
  // every revision below works with. PostgreSQL goes back to the database's collation, which is
  // deterministic: no two keys become equal.
  await op.alterColumn('products', 'name_key', {
    collation: { postgres: null },
    existing: { type: 'string(300)', nullable: false, collation: { mysql: 'utf8mb4_bin', postgres: 'C' } },
  });
}

/**
 * On MySQL/MariaDB the downgrade gives products.barcode the table's default collation, which
 * ignores case and accents (utf8mb4_general_ci): barcodes head keeps apart, `qr-abc` and `QR-ABC`,
 * would then break the unique key half-way through the downgrade, after the scan log's barcodes
 * were changed, as DDL there cannot be rolled back. So they are looked for first, under the
 * collation the downgrade restores, and the downgrade refuses before changing anything, naming
 * them. PostgreSQL's default collation is deterministic and SQLite has no collation to restore.
 * An `--sql` script cannot look: it fails at that statement instead.
 */
async function refuseBarcodesEqualUnderDefault(op: Operations): Promise<void> {
  if (op.dialect !== 'mysql' || op.offline) return;
  const table = (await op.db
    .selectFrom('information_schema.TABLES as t')
    .innerJoin('information_schema.COLLATIONS as c', 'c.COLLATION_NAME', 't.TABLE_COLLATION')
    .select(['t.TABLE_COLLATION as collation', 'c.CHARACTER_SET_NAME as charset'])
    .where((eb) => eb('t.TABLE_SCHEMA', '=', eb.fn('database', [])))
    .where('t.TABLE_NAME', '=', 'products')
    .executeTakeFirst()) as { collation: string; charset: string } | undefined;
  if (!table) return;
  const name = /^\w+$/;
  if (!name.test(table.collation) || !name.test(table.charset)) {
    throw new Error(`products: unexpected default collation ${JSON.stringify(table)}`);
  }
  // COLLATE has no query-builder spelling, and a revision imports nothing at run time (no `sql`
  // tag): the statement is written out and run through Kysely's executeQuery, which takes any
  // compiled query — here a trivial one's, with this text in place of its own.
  const under = (column: string) => `convert(${column} using ${table.charset}) collate ${table.collation}`;
  const text =
    'select a.id as a, a.barcode as a_barcode, b.id as b, b.barcode as b_barcode ' +
    `from products a join products b on ${under('a.barcode')} = ${under('b.barcode')} and a.id < b.id ` +
    'order by a.id, b.id limit 20';
  const { rows } = (await op.db.executeQuery({
    ...op.db.selectNoFrom((eb) => eb.lit(1).as('x')).compile(),
    sql: text,
  })) as {
    rows: { a: string; a_barcode: string; b: string; b_barcode: string }[];
  };
  if (!rows.length) return;
  const pairs = rows.map(
    (r) => `${r.a} ${JSON.stringify(r.a_barcode)} and ${r.b} ${JSON.stringify(r.b_barcode)}`,
  );
  throw new Error(
    `cannot downgrade: products.barcode would go back to ${table.collation}, under which these barcodes ` +
      `are equal and break the unique key uq_products_barcode (products ${pairs.join('; ')}` +
      `${rows.length === 20 ? '; and maybe more' : ''}). Change or clear one barcode of each pair first; ` +
      'nothing was changed.',
  );
}
