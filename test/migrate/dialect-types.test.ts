import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { autogenerate } from '../../src/migrate/commands/autogenerate.js';
import { check } from '../../src/migrate/commands/check.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import {
  col,
  type DialectName,
  defineMetadata,
  defineTable,
  type Environment,
  type SchemaDef,
  type TableDef,
} from '../../src/migrate/index.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { runWithModels, scratchScripts, writeRevision } from '../support/engine.js';

/**
 * Column types outside the portable vocabulary: a table the models do not know, and a column they
 * do not declare, are dropped by autogenerate; the downgrade recreates them in the database's own
 * SQL (`{ mysql: 'char(2)' }`), with a warning that the revision is tied to that database, and the
 * recreated columns have exactly the types they had.
 */

const LEGACY: Record<DialectName, string> = {
  sqlite: `CREATE TABLE legacy (id INTEGER PRIMARY KEY, code CHAR(2) NOT NULL DEFAULT 'xx', data BLOB,
    at TIME, n INT, amount DOUBLE(8,2))`,
  mysql: `CREATE TABLE legacy (id int PRIMARY KEY, code char(2) NOT NULL DEFAULT 'xx', data blob, at time,
    kind enum('x','y') DEFAULT 'x', small tinyint unsigned, amount double(8,2), whole int unsigned,
    updated datetime(3) NOT NULL DEFAULT current_timestamp(3) ON UPDATE current_timestamp(3),
    stamp timestamp NULL, body longtext, label varchar(20) COLLATE utf8mb4_bin, year year)`,
  postgres: `CREATE TABLE legacy (id integer PRIMARY KEY, code character(2) NOT NULL DEFAULT 'xx', data bytea,
    at time, uid uuid, tags text[], price money, seen timestamp without time zone DEFAULT now(), n numeric,
    precise timestamp(6) with time zone, word varchar)`,
};

const EXTRA: Record<DialectName, string> = {
  sqlite: 'CHAR(3)',
  mysql: 'char(3)',
  postgres: 'character(3)',
};

const MODELS: SchemaDef = defineMetadata([
  defineTable('known', { id: col.string(36).primaryKey(), name: col.string(50).nullable() }),
]).schema();

const run = <T>(db: ScratchDatabase, dir: string, fn: (env: Environment) => Promise<T>) =>
  runWithModels(db.url, dir, MODELS, fn);

/** The columns of the tables the test is about, as the introspector reads them. */
async function columns(db: ScratchDatabase, dir: string): Promise<Record<string, TableDef['columns']>> {
  const tables = (await run(db, dir, async (env) => introspector(db.dialect).getTables(await env.db())))
    .result;
  return Object.fromEntries(
    tables.filter((t) => t.name === 'legacy' || t.name === 'known').map((t) => [t.name, t.columns]),
  );
}

for (const dialect of DIALECTS) {
  describe(`types outside the portable set on ${dialect}`, () => {
    test('a dropped table and column come back with their own types', async () => {
      const db = await scratchDatabase(dialect);
      const scripts = scratchScripts();
      const dir = scripts.dir;
      try {
        await run(db, dir, (env) => autogenerate(env, { message: 'known' }));
        await run(db, dir, (env) => upgrade(env, 'head'));
        await run(db, dir, async (env) => {
          const conn = await env.db();
          await sql.raw(LEGACY[dialect]).execute(conn);
          await sql.raw(`ALTER TABLE known ADD COLUMN extra ${EXTRA[dialect]}`).execute(conn);
        });
        const before = await columns(db, dir);
        const code = before.legacy!.find((c) => c.name === 'code')!;
        assert.deepEqual(code.type, {
          [dialect]: dialect === 'sqlite' ? 'CHAR(2)' : EXTRA[dialect].replace('3', '2'),
        });

        const gen = await run(db, dir, (env) => autogenerate(env, { message: 'drop legacy' }));
        const text = fs.readFileSync(gen.result!, 'utf8');
        const down = text.slice(text.indexOf('export async function downgrade'));
        assert.match(down, /\/\/ WARNING: dialect-specific type\(s\)[\s\S]*'legacy\.code'/);
        assert.match(down, /\/\/ WARNING: dialect-specific type\(s\)[\s\S]*'known\.extra'/);
        assert.ok(down.includes(`type: { ${dialect}: '${EXTRA[dialect]}' }`), down);
        assert.match(gen.err, /WARN.*Downgrade: dialect-specific type\(s\)[^\n]*'legacy\.code'/);

        await run(db, dir, (env) => upgrade(env, 'head'));
        assert.equal((await run(db, dir, check)).out, 'No new upgrade operations detected.\n');
        await run(db, dir, (env) => downgrade(env, '-1'));
        assert.deepEqual(await columns(db, dir), before);
      } finally {
        await db.drop();
        scripts.cleanup();
      }
    });

    if (dialect === 'postgres') {
      test("a type given again, equal to the column's own, is no type change (no SET DATA TYPE)", async () => {
        const db = await scratchDatabase(dialect);
        const scripts = scratchScripts();
        try {
          writeRevision(scripts.dir, {
            id: 'd1a1ec700011',
            upgrade: [
              "await op.createTable('t', { columns: [{ name: 'c', type: { postgres: 'uuid' }, nullable: false }] });",
            ],
          });
          writeRevision(scripts.dir, {
            id: 'd1a1ec700012',
            down: 'd1a1ec700011',
            upgrade: [
              "await op.alterColumn('t', 'c', { type: { postgres: 'UUID' }, nullable: true, existing: { type: { postgres: 'uuid' }, nullable: false, default: undefined } });",
            ],
          });
          const { out } = await run(db, scripts.dir, (env) =>
            upgrade(env, 'd1a1ec700011:head', { sql: true }),
          );
          const step = out.slice(out.indexOf('-- Running upgrade d1a1ec700011'));
          assert.doesNotMatch(step, /TYPE/i, step);
          assert.match(step, /drop not null/i);
        } finally {
          await db.drop();
          scripts.cleanup();
        }
      });
    }

    test('a type given for another dialect fails naming the dialects it is for', async () => {
      const other: DialectName = dialect === 'mysql' ? 'postgres' : 'mysql';
      const db = await scratchDatabase(dialect);
      const scripts = scratchScripts();
      try {
        writeRevision(scripts.dir, {
          id: 'd1a1ec700001',
          upgrade: [
            `await op.createTable('t', { columns: [{ name: 'c', type: { ${other}: 'char(2)' }, nullable: true }] });`,
          ],
          downgrade: ["await op.dropTable('t');"],
        });
        await assert.rejects(
          run(db, scripts.dir, (env) => upgrade(env, 'head')),
          new RegExp(`given for ${other} only: this revision cannot run on ${dialect}`),
        );
      } finally {
        await db.drop();
        scripts.cleanup();
      }
    });
  });
}
