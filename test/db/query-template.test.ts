import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Kysely, type KyselyPlugin, sql } from 'kysely';
import { type AppDatabase, openDatabase } from '../../src/db/database.js';
import { QueryTemplate } from '../../src/db/query-template.js';
import type { Database } from '../../src/models/index.js';
import { migrateToHead } from '../support/app.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';

type Shape = { order: 'asc' | 'desc'; named: boolean };
type Values = { email: string; pattern: string; limit: number };

for (const dialect of DIALECTS) {
  describe(`query templates on ${dialect}`, () => {
    let scratch: ScratchDatabase;
    let database: AppDatabase;
    let builds = 0;
    const template = new QueryTemplate(
      (s: Shape) => `${s.order} ${s.named}`,
      (db: Kysely<Database>, s: Shape, v: Values) => {
        builds++;
        let q = db.selectFrom('users').select(['email', 'name']).where('email', '<>', v.email);
        if (s.named) q = q.where(sql<boolean>`name like ${v.pattern}`);
        return q.orderBy('email', s.order).limit(v.limit);
      },
    );
    before(async () => {
      scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      database = await openDatabase(scratch.parsed);
      const users = ['ann', 'bob', 'cid', 'dee'].map((n) => ({
        id: `id-${n}`,
        name: n.toUpperCase(),
        email: `${n}@example.com`,
        password_hash: 'x',
      }));
      await database.db.insertInto('users').values(users).execute();
    });
    after(async () => {
      await database.destroy();
      await scratch.drop();
    });

    test('compiled once per shape and instance; every call runs with its own values', async () => {
      const run = (s: Shape, v: Values) => template.execute(database.db, s, v);
      const emails = (rows: { email: string }[]) => rows.map((r) => r.email);
      const before = builds;
      assert.deepEqual(
        emails(
          await run({ order: 'asc', named: false }, { email: 'ann@example.com', pattern: '', limit: 2 }),
        ),
        ['bob@example.com', 'cid@example.com'],
      );
      assert.deepEqual(
        emails(
          await run({ order: 'asc', named: false }, { email: 'bob@example.com', pattern: '', limit: 3 }),
        ),
        ['ann@example.com', 'cid@example.com', 'dee@example.com'],
      );
      assert.deepEqual(
        emails(await run({ order: 'desc', named: true }, { email: 'x', pattern: '%E%', limit: 9 })),
        ['dee@example.com'],
      );
      assert.deepEqual(
        emails(await run({ order: 'desc', named: true }, { email: 'x', pattern: 'B%', limit: 9 })),
        ['bob@example.com'],
      );
      assert.equal(builds - before, 2, 'one build per shape');

      // Another instance (other plugins) compiles its own; its plugins see the query once, its results every time.
      // Each result carries the query id its query was transformed under (as the query counter
      // of openDatabase relies on).
      let transformed = 0;
      let results = 0;
      const seen = new WeakSet<object>();
      const plugin: KyselyPlugin = {
        transformQuery: ({ node, queryId }) => {
          transformed++;
          seen.add(queryId);
          return node;
        },
        transformResult: async ({ result, queryId }) => {
          results++;
          assert.ok(seen.has(queryId), 'the result of a query this plugin transformed');
          return result;
        },
      };
      const other = database.db.withPlugin(plugin);
      for (const limit of [1, 2, 3]) {
        const rows = await template.execute(
          other,
          { order: 'asc', named: false },
          { email: '', pattern: '', limit },
        );
        assert.equal(rows.length, limit);
      }
      assert.deepEqual([builds - before, transformed, results], [3, 1, 3]);

      const compiled = template.compile(
        database.db,
        { order: 'asc', named: true },
        { email: 'e', pattern: 'p', limit: 7 },
      );
      assert.deepEqual(compiled.parameters, ['e', 'p', 7]);
    });

    test('a value written into the SQL text is refused when the template compiles', () => {
      const raw = new QueryTemplate(
        () => 'one',
        (db: Kysely<Database>, _s: null, v: { email: string }) =>
          db
            .selectFrom('users')
            .select('id')
            .where(sql.raw<boolean>(`email = '${v.email}'`)),
      );
      assert.throws(
        () => raw.compile(database.db, null, { email: 'a' }),
        /value 'email' was written into the SQL text/,
      );
    });
  });
}
