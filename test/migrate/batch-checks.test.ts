import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { referencesColumn, renameColumnIn } from '../../src/migrate/schema/expression-columns.js';
import { checkViolation } from '../support/constraint-errors.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { engine, scratchScripts, writeRevision } from '../support/engine.js';
import { applyWithNativeClient } from '../support/native-client.js';

/**
 * CHECK constraints through dropped and renamed columns: one revision file runs unchanged on every
 * dialect. MariaDB and PostgreSQL drop a CHECK on a column with the column and rewrite it when
 * the column is renamed; SQLite's copy-and-move must end the same way, online and in `--sql`
 * scripts (where the table's shape is tracked, not read).
 */

const CREATE_ITEMS =
  "await op.createTable('items', { columns: [" +
  "{ name: 'id', type: 'integer', nullable: false }, " +
  "{ name: 'kind', type: 'string(10)', nullable: false }, " +
  "{ name: 'qty', type: 'integer', nullable: false }, " +
  "{ name: 'name', type: 'string(40)', nullable: true }], " +
  "primaryKey: { name: 'pk_items', columns: ['id'] }, " +
  // The model DSL's oneOf([...]) check, and one whose string literal holds the word 'kind'.
  "checks: [{ name: 'ck_items_kind', expr: \"kind IN ('a', 'b')\" }, { name: 'ck_items_qty', expr: \"qty >= 0 AND name <> 'kind'\" }] });";

function revisions(dir: string): void {
  writeRevision(dir, {
    id: 'c4ec00000001',
    message: 'items',
    upgrade: [
      CREATE_ITEMS,
      "await op.execute(op.db.insertInto('items').values([{ id: 1, kind: 'a', qty: 2, name: 'x' }, { id: 2, kind: 'b', qty: 0, name: 'y' }]));",
    ],
    downgrade: ["await op.dropTable('items');"],
  });
  writeRevision(dir, {
    id: 'c4ec00000002',
    down: 'c4ec00000001',
    message: 'drop kind',
    upgrade: ["await op.dropColumn('items', 'kind');"],
    downgrade: [
      "await op.addColumn('items', { name: 'kind', type: 'string(10)', nullable: false, default: 'a' });",
      "await op.createCheckConstraint('ck_items_kind', 'items', \"kind IN ('a', 'b')\");",
    ],
  });
  writeRevision(dir, {
    id: 'c4ec00000003',
    down: 'c4ec00000002',
    message: 'rename qty',
    upgrade: [
      "await op.renameColumn('items', 'qty', 'quantity');",
      // A copy-and-move after the rename: the CHECK it recreates must name the new column.
      "await op.alterColumn('items', 'name', { type: 'string(80)' });",
    ],
    downgrade: [
      "await op.alterColumn('items', 'name', { type: 'string(40)' });",
      "await op.renameColumn('items', 'quantity', 'qty');",
    ],
  });
}

const checksOf = async (dialect: ScratchDatabase['dialect'], conn: Kysely<any>) => {
  const [items] = await introspector(dialect).getTables(conn, { tables: ['items'] });
  return (items?.checks ?? []).map((c) => c.name).sort();
};

for (const dialect of DIALECTS) {
  describe(`CHECK constraints through dropped and renamed columns on ${dialect}`, () => {
    let db: ScratchDatabase;
    let scripts: ReturnType<typeof scratchScripts>;
    beforeEach(async () => {
      db = await scratchDatabase(dialect);
      scripts = scratchScripts();
      revisions(scripts.dir);
    });
    afterEach(async () => {
      await db.drop();
      scripts.cleanup();
    });

    test('dropColumn drops the CHECK on that column and keeps the others; renameColumn rewrites them', async () => {
      const { env } = engine(db.url, scripts.dir);
      try {
        await upgrade(env, 'c4ec00000002');
        const conn = await env.db();
        assert.deepEqual(await checksOf(dialect, conn), ['ck_items_qty']);
        const rows = await sql<{ id: number; qty: number }>`SELECT id, qty FROM items ORDER BY id`.execute(
          conn,
        );
        assert.deepEqual(
          rows.rows.map((r) => [Number(r.id), Number(r.qty)]),
          [
            [1, 2],
            [2, 0],
          ],
        );
        // The CHECK kept still holds.
        await assert.rejects(
          sql`INSERT INTO items (id, qty, name) VALUES (3, -1, 'z')`.execute(conn),
          checkViolation(dialect, 'ck_items_qty'),
        );

        await upgrade(env, 'head');
        const [items] = await introspector(dialect).getTables(conn, { tables: ['items'] });
        const qty = items!.checks!.find((c) => c.name === 'ck_items_qty')!;
        assert.match(qty.expr, /quantity/);
        assert.doesNotMatch(qty.expr, /\bqty\b/);
        assert.equal(items!.columns.find((c) => c.name === 'name')!.type, 'string(80)');
        await assert.rejects(
          sql`INSERT INTO items (id, quantity, name) VALUES (3, -1, 'z')`.execute(conn),
          checkViolation(dialect, 'ck_items_qty'),
        );
        await sql`INSERT INTO items (id, quantity, name) VALUES (3, 1, 'z')`.execute(conn);

        await downgrade(env, 'c4ec00000001');
        assert.deepEqual(await checksOf(dialect, conn), ['ck_items_kind', 'ck_items_qty']);
        await assert.rejects(
          sql`INSERT INTO items (id, kind, qty) VALUES (4, 'c', 1)`.execute(conn),
          checkViolation(dialect, 'ck_items_kind'),
        );
        await downgrade(env, 'base');
      } finally {
        await env.close();
      }
    });

    test('--sql: the script applies with the native client and ends as the online upgrade', async () => {
      const online = engine(db.url, scripts.dir);
      const offlineDb = await scratchDatabase(dialect);
      try {
        await upgrade(online.env, 'head');
        const off = engine(offlineDb.url, scripts.dir);
        await upgrade(off.env, 'head', { sql: true });
        await applyWithNativeClient(offlineDb, off.output.stdoutText);
        const read = async (url: string) => {
          const { env } = engine(url, scripts.dir);
          try {
            return await introspector(dialect).getTables(await env.db(), { tables: ['items'] });
          } finally {
            await env.close();
          }
        };
        const [a, b] = [await read(offlineDb.url), await read(db.url)];
        // SQLite keeps the CHECK's text as written: the native rename respells it in place, the
        // script's copy-and-move writes it anew. Compare what the checks say, not their spacing.
        const shape = (t: typeof a) =>
          t.map((x) => ({ ...x, checks: x.checks?.map((c) => [c.name, c.expr.replace(/["`\s]/g, '')]) }));
        assert.deepEqual(shape(a), shape(b));
      } finally {
        await online.env.close();
        await offlineDb.drop();
      }
    });
  });
}

describe('the columns an expression names', () => {
  test('a string literal, a function name, a keyword or a table qualifier is not a column', () => {
    assert.equal(referencesColumn("name <> 'kind'", 'kind'), false);
    assert.equal(referencesColumn('lower(email)', 'lower'), false);
    assert.equal(referencesColumn('t.kind IS NOT NULL', 't'), false);
    assert.equal(referencesColumn('t.kind IS NOT NULL', 'kind'), true);
    assert.equal(referencesColumn('"Kind" IN (1, 2)', 'kind'), true);
    assert.equal(referencesColumn('`kind` > 0 -- kind', 'kind'), true);
    assert.equal(referencesColumn("x'6b696e64' = kindred", 'kind'), false);
    assert.equal(referencesColumn('name COLLATE nocase', 'nocase'), false);
  });

  test('a rename rewrites each reference and keeps the rest as written', () => {
    assert.equal(
      renameColumnIn('qty >= 0 AND name <> \'qty\' AND "qty" < 10', 'qty', 'quantity'),
      `"quantity" >= 0 AND name <> 'qty' AND "quantity" < 10`,
    );
    assert.equal(renameColumnIn('qty > 0', 'qty', 'order'), '"order" > 0');
  });
});
