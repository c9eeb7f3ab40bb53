import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { autogenerate } from '../../src/migrate/commands/autogenerate.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import {
  col,
  type DialectName,
  defineTable,
  type SchemaDef,
  type TableDef,
} from '../../src/migrate/index.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { DIALECTS, scratchDatabase } from '../support/databases.js';
import { runWithModels, scratchScripts } from '../support/engine.js';

/**
 * A table dropped from the models is re-created by the downgrade from what autogenerate read of
 * the database. Read from SQLite, an integer primary key the model did not make auto-increment
 * came back `autoIncrement: true` (every INTEGER PRIMARY KEY is SQLite's rowid), so the downgrade
 * of a revision generated on SQLite created an AUTO_INCREMENT / identity key on MySQL/PostgreSQL
 * that the original revision never had.
 */

const models: SchemaDef = {
  tables: [
    defineTable('plain', { id: col.integer().primaryKey(), x: col.integer().nullable() }).table,
    defineTable('auto', { id: col.integer().primaryKey().autoIncrement() }).table,
    defineTable('big', { id: col.bigint().primaryKey() }).table,
    defineTable('pair', { a: col.integer().primaryKey(), b: col.integer().primaryKey() }).table,
  ],
};

async function shape(url: string, dialect: DialectName, dir: string): Promise<TableDef[]> {
  const { result } = await runWithModels(url, dir, { tables: [] }, async (env) =>
    introspector(dialect).getTables(await env.db()),
  );
  return result.filter((t) => t.name !== 'alembic_version').sort((a, b) => a.name.localeCompare(b.name));
}

describe('a table dropped from the models, its downgrade generated on SQLite', () => {
  const scripts = scratchScripts();
  let downgradeText = '';
  let generatedOn: Awaited<ReturnType<typeof scratchDatabase>>;
  before(async () => {
    generatedOn = await scratchDatabase('sqlite');
    await runWithModels(generatedOn.url, scripts.dir, models, (env) =>
      autogenerate(env, { message: 'tables', revId: 'b0d000000001' }),
    );
    await runWithModels(generatedOn.url, scripts.dir, models, (env) => upgrade(env, 'head'));
    const dropped = await runWithModels(generatedOn.url, scripts.dir, { tables: [] }, (env) =>
      autogenerate(env, { message: 'drop tables', revId: 'b0d000000002' }),
    );
    const text = fs.readFileSync(dropped.result!, 'utf8');
    downgradeText = text.slice(text.indexOf('export async function downgrade'));
  });
  after(async () => {
    await generatedOn.drop();
    scripts.cleanup();
  });

  test('re-creates a key without auto-increment as the model declared it', () => {
    const plain = downgradeText.slice(downgradeText.indexOf("createTable('plain'"));
    assert.match(plain, /\{ name: 'id', type: 'integer', nullable: false \}/, downgradeText);
    const auto = downgradeText.slice(downgradeText.indexOf("createTable('auto'"));
    assert.match(auto, /\{ name: 'id', type: 'integer', nullable: false, autoIncrement: true \}/);
    // SQLite cannot tell an auto-increment bigint key from an integer one: the reviewer is told.
    assert.match(downgradeText, /NOTE: 'auto\.id' is SQLite's rowid, read as integer/);
    assert.doesNotMatch(downgradeText, /NOTE: 'plain\.id'/);
  });

  for (const dialect of DIALECTS) {
    test(`on ${dialect}, the downgrade creates the tables the first revision created`, async () => {
      const db = await scratchDatabase(dialect);
      try {
        const run = <T>(fn: Parameters<typeof runWithModels<T>>[3]) =>
          runWithModels(db.url, scripts.dir, models, fn);
        await run((env) => upgrade(env, 'b0d000000001'));
        const created = await shape(db.url, dialect, scripts.dir);
        await run((env) => upgrade(env, 'head'));
        await run((env) => downgrade(env, 'b0d000000001'));
        assert.deepEqual(await shape(db.url, dialect, scripts.dir), created);
        // The key the database does not fill in: an insert without it is refused everywhere.
        await run(async (env) => {
          const conn = await env.db();
          await assert.rejects(sql`INSERT INTO plain (x) VALUES (1)`.execute(conn));
          await sql`INSERT INTO auto DEFAULT VALUES`.execute(conn).catch(async () => {
            await sql`INSERT INTO auto () VALUES ()`.execute(conn); // MySQL has no DEFAULT VALUES
          });
        });
      } finally {
        await db.drop();
      }
    });
  }
});
