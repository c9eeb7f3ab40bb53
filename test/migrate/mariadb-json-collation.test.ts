import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { autogenerate } from '../../src/migrate/commands/autogenerate.js';
import { upgrade } from '../../src/migrate/commands/upgrade.js';
import { col, defineMetadata, defineTable } from '../../src/migrate/schema/index.js';
import { withScratchWorkspace } from '../support/engine.js';

/**
 * MariaDB's JSON is LONGTEXT in utf8mb4_bin. A JSON column changed to text takes the table's
 * default collation, like a text column added beside it, not the JSON's utf8mb4_bin.
 */
test('MariaDB: a json column made text gets the table default collation', () =>
  withScratchWorkspace('mysql', async (run) => {
    const v1 = defineMetadata([
      defineTable('t', { id: col.integer().primaryKey(), j: col.json().nullable() }),
    ]);
    const v2 = defineMetadata([
      defineTable('t', {
        id: col.integer().primaryKey(),
        j: col.text().nullable(),
        n: col.text().nullable(),
      }),
    ]);
    await run(v1.schema(), (env) => autogenerate(env, { message: 'v1' }));
    await run(v1.schema(), (env) => upgrade(env, 'head'));
    await run(v2.schema(), (env) => autogenerate(env, { message: 'v2' }));
    await run(v2.schema(), (env) => upgrade(env, 'head'));
    const rows = await run(v2.schema(), async (env) => {
      const { rows } = await sql<{ name: string; collation: string; tableCollation: string }>`
        SELECT c.column_name AS name, c.collation_name AS collation, t.table_collation AS tableCollation
        FROM information_schema.columns c
        JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = DATABASE() AND c.table_name = 't' AND c.column_name IN ('j', 'n')
        ORDER BY c.column_name`.execute(await env.db());
      return rows;
    });
    assert.equal(rows.length, 2);
    for (const r of rows) assert.equal(r.collation, r.tableCollation, r.name);
  }));
