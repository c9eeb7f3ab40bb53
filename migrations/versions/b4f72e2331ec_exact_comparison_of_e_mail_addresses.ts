/**
 * exact comparison of e-mail addresses
 *
 * Revision ID: b4f72e2331ec
 * Revises: 33fc795be171
 * Create Date: 2026-11-28 04:44:31.780000
 */
import type { Operations } from 'expireeye/migrate';

// revision identifiers, used by the migration engine.
export const revision = 'b4f72e2331ec';
export const downRevision: string | string[] | null = '33fc795be171';
export const branchLabels: string[] | null = null;
export const dependsOn: string[] | null = null;

// E-mail addresses compare exactly on every database, as on SQLite (they are stored lower-cased, so
// case still does not tell two accounts apart). MySQL/MariaDB's default utf8mb4 collation ignored
// accents and took every emoji for the same character: `josé@example.com` could not sign up beside
// `jose@example.com` and signed in to that account with its password. utf8mb4_bin is finer, so the
// upgrade cannot meet duplicates; the downgrade can, and refuses them before changing anything.
// PostgreSQL compared exactly already; "C" orders them by code point, as elsewhere.
export async function upgrade(op: Operations): Promise<void> {
  // ### commands auto generated - please review and adjust! ###
  // WARNING: changes the collation of 'users.email': comparisons, ordering and unique keys on it follow the
  // new one; fails if a unique key then finds values equal
  await op.alterColumn('users', 'email', {
    collation: { mysql: 'utf8mb4_bin', postgres: 'C' },
    existing: { type: 'string(255)', nullable: false },
  });
  // ### end of commands ###
}

export async function downgrade(op: Operations): Promise<void> {
  await refuseEmailsEqualUnderDefault(op);
  // WARNING: changes the collation of 'users.email': comparisons, ordering and unique keys on it follow the
  // new one; fails if a unique key then finds values equal (checked above, on MySQL/MariaDB)
  await op.alterColumn('users', 'email', {
    collation: { mysql: null, postgres: null },
    existing: { type: 'string(255)', nullable: false, collation: { mysql: 'utf8mb4_bin', postgres: 'C' } },
  });
}

/**
 * On MySQL/MariaDB the downgrade gives users.email the table's default collation back, under which
 * addresses head keeps apart (`jose@…` and `josé@…`) are equal and break the unique index
 * idx_user_email: they are looked for first, and the downgrade refuses before changing anything,
 * naming them. An `--sql` script cannot look: it fails at that statement instead. (The same look as
 * 90127f625a40's for barcodes, written again on purpose: a revision imports nothing at run time, so
 * that what it does can never change under it.)
 */
async function refuseEmailsEqualUnderDefault(op: Operations): Promise<void> {
  if (op.dialect !== 'mysql' || op.offline) return;
  const table = (await op.db
    .selectFrom('information_schema.TABLES as t')
    .innerJoin('information_schema.COLLATIONS as c', 'c.COLLATION_NAME', 't.TABLE_COLLATION')
    .select(['t.TABLE_COLLATION as collation', 'c.CHARACTER_SET_NAME as charset'])
    .where((eb) => eb('t.TABLE_SCHEMA', '=', eb.fn('database', [])))
    .where('t.TABLE_NAME', '=', 'users')
    .executeTakeFirst()) as { collation: string; charset: string } | undefined;
  if (!table) return;
  if (!/^\w+$/.test(table.collation) || !/^\w+$/.test(table.charset)) {
    throw new Error(`users: unexpected default collation ${JSON.stringify(table)}`);
  }
  // COLLATE has no query-builder spelling, and a revision imports nothing at run time: the
  // statement is written out and run through executeQuery in place of a trivial query's text.
  const under = (column: string) => `convert(${column} using ${table.charset}) collate ${table.collation}`;
  const text =
    'select a.id as a, a.email as a_email, b.id as b, b.email as b_email ' +
    `from users a join users b on ${under('a.email')} = ${under('b.email')} and a.id < b.id ` +
    'order by a.id, b.id limit 20';
  const { rows } = (await op.db.executeQuery({
    ...op.db.selectNoFrom((eb) => eb.lit(1).as('x')).compile(),
    sql: text,
  })) as { rows: { a: string; a_email: string; b: string; b_email: string }[] };
  if (!rows.length) return;
  const pairs = rows.map(
    (r) => `${r.a} ${JSON.stringify(r.a_email)} and ${r.b} ${JSON.stringify(r.b_email)}`,
  );
  throw new Error(
    `cannot downgrade: users.email would go back to ${table.collation}, under which these addresses are ` +
      `equal and break the unique index idx_user_email (users ${pairs.join('; ')}` +
      `${rows.length === 20 ? '; and maybe more' : ''}). Change one address of each pair first; nothing was changed.`,
  );
}
