import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import { sqliteTimestamp } from '../../src/migrate/index.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { uniqueViolation } from '../support/constraint-errors.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import {
  APP_MIGRATIONS,
  engine,
  engineTimestamp,
  fromAppRevision,
  mysqlCollation,
  versionOf,
} from '../support/engine.js';

const BEFORE = 'ec13d89b244a';

/** Each product's name key, by id. */
async function nameKeys(conn: Kysely<any>): Promise<Record<string, string>> {
  const rows = await conn.selectFrom('products').select(['id', 'name_key']).execute();
  return Object.fromEntries(rows.map((r) => [r.id, r.name_key]));
}

// Migration 5d1c0a7e9b3f gives products a unique name key. A catalogue from before it may already
// hold names that differ only in case (two requests adding one name at once could create both):
// they must survive the upgrade, items and all, while new duplicates are refused.
for (const dialect of DIALECTS) {
  describe(`the products' unique name key on ${dialect}`, () => {
    let db: ScratchDatabase;
    beforeEach(async () => {
      db = await scratchDatabase(dialect);
    });
    afterEach(() => db.drop());
    /** A timestamp for the engine's own connection: SQLite takes them as text there. */
    const at = (s: number) => engineTimestamp(dialect, s);
    const fromRevision = (rev: string, body: Parameters<typeof fromAppRevision>[2]) =>
      fromAppRevision(db.url, rev, body);

    test('an existing catalogue with case-only duplicates upgrades, keeps its rows, and refuses new ones', async () => {
      const { env } = engine(db.url, APP_MIGRATIONS);
      try {
        await upgrade(env, BEFORE);
        const conn = await env.db();
        // The engine's own connection: SQLite takes timestamps as text there.
        const at = (s: number) => {
          const d = new Date(Date.UTC(2026, 0, 1, 0, 0, s));
          return dialect === 'sqlite' ? sqliteTimestamp(d) : d;
        };
        const now = at(0);
        await conn
          .insertInto('users')
          .values({ id: 'u1', email: 'a@example.com', password_hash: 'x', name: 'A', created_at: now })
          .execute();
        await conn
          .insertInto('products')
          .values([
            { id: 'p-old', name: 'Milk', created_at: at(1) },
            { id: 'p-new', name: 'MILK', created_at: at(2) },
            { id: 'p-bread', name: 'Bread', created_at: at(3) },
            { id: 'p-cafe', name: 'Café Crème', created_at: at(4) },
          ])
          .execute();
        await conn
          .insertInto('user_products')
          .values({
            id: 'i1',
            user_id: 'u1',
            product_id: 'p-new',
            quantity: 1,
            status: 'active',
            added_at: at(5),
          })
          .execute();

        await upgrade(env, 'head');
        const keys = await conn.selectFrom('products').select(['id', 'name_key']).orderBy('id').execute();
        assert.deepEqual(keys, [
          { id: 'p-bread', name_key: 'bread' },
          // JavaScript's lower case, the same as the application's, also for non-ASCII letters.
          { id: 'p-cafe', name_key: 'café crème' },
          { id: 'p-new', name_key: 'milk#p-new' },
          { id: 'p-old', name_key: 'milk' },
        ]);
        const item = await conn.selectFrom('user_products').select('product_id').executeTakeFirstOrThrow();
        assert.equal(item.product_id, 'p-new', 'the item still points at its product');
        const [products] = await introspector(dialect).getTables(conn, { tables: ['products'] });
        assert.equal(products?.columns.find((c) => c.name === 'name_key')?.nullable, false);
        await assert.rejects(
          conn.insertInto('products').values({ id: 'p-dup', name: 'milk', name_key: 'milk' }).execute(),
          uniqueViolation(dialect, 'uq_products_name_key', ['products.name_key']),
          'a new duplicate is refused by the database',
        );

        await downgrade(env, BEFORE);
        const [back] = await introspector(dialect).getTables(conn, { tables: ['products'] });
        assert.equal(
          back?.columns.some((c) => c.name === 'name_key'),
          false,
        );
        const count = await conn
          .selectFrom('products')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(count.n), 4, 'downgrading loses no product');
        await upgrade(env, 'head');
      } finally {
        await env.close();
      }
    });

    // At 5d1c0a7e9b3f the key is exact on MySQL/MariaDB too (utf8mb4_bin): with the table's default
    // collation, which ignores accents, "Müsli" and "Musli" broke the unique key half-way (MariaDB's
    // DDL stays done), and a second attempt met the column the first had added. A key that lower
    // case makes longer than the column ("İ" is "i̇") is cut to fit and made unique with its id.
    test('accent-only pairs and keys too long for the column upgrade through 5d1c0a7e9b3f', () =>
      fromRevision(BEFORE, async (env, conn) => {
        if (dialect === 'mysql') {
          // What an attempt before this fix left behind: the key column, in the default collation.
          await sql`alter table products add column name_key varchar(300) null`.execute(conn);
        }
        const long = `${'İ'.repeat(50)}${'a'.repeat(205)}`; // 255 characters; lower case, 305
        await conn
          .insertInto('products')
          .values([
            { id: 'p-umlaut', name: 'Müsli', created_at: at(1) },
            { id: 'p-plain', name: 'Musli', created_at: at(2) },
            { id: 'p-long', name: long, created_at: at(3) },
          ])
          .execute();
        const cut = `${[...long.toLowerCase()].slice(0, 300 - 'p-long'.length - 1).join('')}#p-long`;
        const expected = { 'p-umlaut': 'müsli', 'p-plain': 'musli', 'p-long': cut };

        await upgrade(env, '5d1c0a7e9b3f');
        assert.deepEqual(await nameKeys(conn), expected);
        if (dialect === 'mysql')
          assert.equal(await mysqlCollation(conn, 'products', 'name_key'), 'utf8mb4_bin');
        await assert.rejects(
          conn.insertInto('products').values({ id: 'p-dup', name: 'MUSLI', name_key: 'musli' }).execute(),
          uniqueViolation(dialect, 'uq_products_name_key', ['products.name_key']),
          'the key is still unique',
        );
        // Re-keyed in NFKC at 227e9a1d60f1: the same keys ("İ" is already NFKC).
        await upgrade(env, 'head');
        assert.deepEqual(await nameKeys(conn), expected);
        await downgrade(env, BEFORE);
        const count = await conn
          .selectFrom('products')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(count.n), 3);
      }));

    // Head keeps barcodes that differ only by case, and names that differ only by accents, apart.
    // Below 90127f625a40 MySQL/MariaDB compares barcodes in the table's default collation, which
    // does not: the downgrade refuses such barcodes before changing anything (it failed half-way,
    // the scan log's barcodes converted), and leaves the name key exact, as 5d1c0a7e9b3f creates it.
    test('a downgrade past 90127f625a40 refuses barcodes it would make equal, before changing anything', () =>
      fromRevision('head', async (env, conn) => {
        await conn
          .insertInto('products')
          .values([
            { id: 'p-lower', name: 'Granola Musli', name_key: 'granola musli', barcode: 'qr-abc' },
            { id: 'p-upper', name: 'Granola Müsli', name_key: 'granola müsli', barcode: 'QR-ABC' },
          ])
          .execute();
        const version = () => versionOf(conn);
        if (dialect === 'mysql') {
          await assert.rejects(
            downgrade(env, 'c8217e73ef67'),
            /Downgrade of revision 90127f625a40 failed: cannot downgrade: .*p-lower "qr-abc" and p-upper "QR-ABC".*nothing was changed/,
          );
          assert.equal(await version(), '90127f625a40', 'the revisions after it were downgraded, it was not');
          assert.equal(await mysqlCollation(conn, 'scan_logs', 'barcode'), 'utf8mb4_bin', 'nothing changed');
          assert.equal(await mysqlCollation(conn, 'products', 'barcode'), 'utf8mb4_bin', 'nothing changed');
          await conn
            .updateTable('products')
            .set({ barcode: 'QR-ABC-2' })
            .where('id', '=', 'p-upper')
            .execute();
        }
        await downgrade(env, 'c8217e73ef67');
        assert.equal(await version(), 'c8217e73ef67');
        const rows = await conn.selectFrom('products').select(['id', 'name_key']).orderBy('id').execute();
        assert.deepEqual(rows, [
          { id: 'p-lower', name_key: 'granola musli' },
          { id: 'p-upper', name_key: 'granola müsli' },
        ]);
        if (dialect === 'mysql') {
          assert.equal(await mysqlCollation(conn, 'products', 'name_key'), 'utf8mb4_bin');
          assert.equal(await mysqlCollation(conn, 'products', 'barcode'), 'utf8mb4_general_ci');
        }
        await upgrade(env, 'head');
      }));

    // Revision 227e9a1d60f1 keys names in Unicode NFKC: names that read the same but were keyed
    // apart (a combining diaeresis, full-width letters) now share a key, so the newer of each pair
    // gets `<key>#<id>` as 5d1c0a7e9b3f did; a downgrade gives back the keys it found.
    test('re-keying in NFKC keeps every product and its items, and downgrades to the old keys', () =>
      fromRevision('4e7b2d9c1a60', async (env, conn) => {
        await conn
          .insertInto('users')
          .values({ id: 'u1', email: 'a@example.com', password_hash: 'x', name: 'A', created_at: at(0) })
          .execute();
        const products = [
          { id: 'p-wide', name: 'Ｍｉｌｋ', name_key: 'ｍｉｌｋ', created_at: at(1) },
          { id: 'p-milk', name: 'Milk', name_key: 'milk', created_at: at(2) },
          { id: 'p-musli', name: 'Müsli', name_key: 'müsli', created_at: at(3) },
          { id: 'p-combining', name: 'Mu\u0308sli', name_key: 'mu\u0308sli', created_at: at(4) },
          { id: 'p-tea', name: 'Tea', name_key: 'tea', created_at: at(5) },
          // 21 characters, whose NFKC form is 310: longer than the column.
          {
            id: 'p-long',
            name: `${'\uFDFA'.repeat(17)} Tea`,
            name_key: `${'\uFDFA'.repeat(17)} tea`,
            created_at: at(6),
          },
        ];
        await conn.insertInto('products').values(products).execute();
        await conn
          .insertInto('user_products')
          .values({
            id: 'i1',
            user_id: 'u1',
            product_id: 'p-milk',
            quantity: 1,
            status: 'active',
            added_at: at(6),
          })
          .execute();

        await upgrade(env, '227e9a1d60f1');
        assert.deepEqual(await nameKeys(conn), {
          'p-wide': 'milk',
          'p-milk': 'milk#p-milk',
          'p-musli': 'müsli',
          'p-combining': 'müsli#p-combining',
          'p-tea': 'tea',
          'p-long': `${'\uFDFA'
            .normalize('NFKC')
            .toLowerCase()
            .repeat(17)
            .slice(0, 300 - 'p-long'.length - 1)}#p-long`,
        });
        const item = await conn.selectFrom('user_products').select('product_id').executeTakeFirstOrThrow();
        assert.equal(item.product_id, 'p-milk', 'the item still points at its product');

        await downgrade(env, '4e7b2d9c1a60');
        assert.deepEqual(await nameKeys(conn), Object.fromEntries(products.map((p) => [p.id, p.name_key])));
      }));
  });
}
