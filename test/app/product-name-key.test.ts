import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { sqliteTimestamp } from '../../src/db/database.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS, engine } from '../support/engine.js';

const BEFORE = 'ec13d89b244a';

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

    // Revision 227e9a1d60f1 keys names in Unicode NFKC: names that read the same but were keyed
    // apart (a combining diaeresis, full-width letters) now share a key, so the newer of each pair
    // gets `<key>#<id>` as 5d1c0a7e9b3f did; a downgrade gives back the keys it found.
    test('re-keying in NFKC keeps every product and its items, and downgrades to the old keys', async () => {
      const { env } = engine(db.url, APP_MIGRATIONS);
      try {
        await upgrade(env, '4e7b2d9c1a60');
        const conn = await env.db();
        const at = (s: number) => {
          const d = new Date(Date.UTC(2026, 0, 1, 0, 0, s));
          return dialect === 'sqlite' ? sqliteTimestamp(d) : d;
        };
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
        const keys = async () =>
          Object.fromEntries(
            (await conn.selectFrom('products').select(['id', 'name_key']).execute()).map((r) => [
              r.id,
              r.name_key,
            ]),
          );

        await upgrade(env, '227e9a1d60f1');
        assert.deepEqual(await keys(), {
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
        assert.deepEqual(await keys(), Object.fromEntries(products.map((p) => [p.id, p.name_key])));
      } finally {
        await env.close();
      }
    });
  });
}
