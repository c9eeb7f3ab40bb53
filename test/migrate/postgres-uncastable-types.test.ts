import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { compareSchemas } from '../../src/migrate/autogenerate/compare.js';
import { noPostgresCast } from '../../src/migrate/autogenerate/postgres-casts.js';
import { autogenerate } from '../../src/migrate/commands/autogenerate.js';
import { check } from '../../src/migrate/commands/check.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import { dialectImpl } from '../../src/migrate/ddl/index.js';
import {
  type ColumnTypeName,
  col,
  type DialectName,
  defineTable,
  type SchemaDef,
} from '../../src/migrate/index.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { DIALECTS, scratchDatabase } from '../support/databases.js';
import { runWithModels, scratchScripts } from '../support/engine.js';

/**
 * A type change PostgreSQL has no cast for (smallint → json, boolean → date) was written as a plain
 * op.alterColumn and failed only at `upgrade` there ("cannot cast type smallint to jsonb").
 * Autogenerate now says so, on the console and in the file, and writes a `using` placeholder to
 * fill in (Alembic's `postgresql_using`); filled in, the revision upgrades and downgrades on
 * PostgreSQL and runs unchanged elsewhere, where `using` is not needed.
 */

const model = (changed: boolean): SchemaDef => ({
  tables: [
    defineTable('t', {
      id: col.integer().primaryKey(),
      n: changed ? col.json().nullable() : col.smallint().nullable(),
      flag: changed ? col.date().nullable() : col.boolean().nullable(),
      m: changed ? col.bigint().nullable() : col.integer().nullable(),
    }).table,
  ],
});

/** The expressions a reviewer writes where the warnings ask for them. */
const FILLED: Record<string, string> = {
  '<expression of "n" giving json: no PostgreSQL cast from smallint>': 'to_jsonb("n")',
  '<expression of "flag" giving date: no PostgreSQL cast from boolean>': `CASE WHEN "flag" THEN DATE '2020-01-01' END`,
  '<expression of "flag" giving boolean: no PostgreSQL cast from date>': '"flag" IS NOT NULL',
};

/** The revision's text with each placeholder (a string literal) replaced by its expression. */
function fillIn(text: string): string {
  let out = text;
  for (const [placeholder, expr] of Object.entries(FILLED)) {
    out = out.replaceAll(`'${placeholder}'`, JSON.stringify(expr));
  }
  return out;
}

async function generate(dialect: DialectName) {
  const db = await scratchDatabase(dialect);
  const scripts = scratchScripts();
  const run = <T>(changed: boolean, fn: Parameters<typeof runWithModels<T>>[3]) =>
    runWithModels(db.url, scripts.dir, model(changed), fn);
  await run(false, (env) => autogenerate(env, { message: 'before', revId: 'c0a000000001' }));
  await run(false, (env) => upgrade(env, 'head'));
  const second = await run(true, (env) => autogenerate(env, { message: 'after', revId: 'c0a000000002' }));
  return { db, scripts, run, file: second.result!, log: second.err + second.out };
}

test('on postgres, a type change with no cast is announced and upgrades once its using is filled in', async () => {
  const { db, scripts, run, file, log } = await generate('postgres');
  try {
    for (const line of [
      "PostgreSQL has no cast from smallint to json for 't.n'",
      "PostgreSQL has no cast from boolean to date for 't.flag'",
      "Downgrade: PostgreSQL has no cast from date to boolean for 't.flag'",
    ]) {
      assert.ok(log.includes(line), `${line}\n---\n${log}`);
    }
    // integer → bigint and json → smallint have casts: no placeholder for them.
    assert.ok(!log.includes("for 't.m'") && !log.includes('from json'), log);
    const text = fs.readFileSync(file, 'utf8');
    for (const placeholder of Object.keys(FILLED)) assert.ok(text.includes(placeholder), text);
    await run(true, async (env) => {
      await sql`INSERT INTO t (id, n, flag, m) VALUES (1, 5, true, 7), (2, NULL, false, NULL)`.execute(
        await env.db(),
      );
    });
    // Not filled in: refused at once, naming the column, before anything changed.
    const refused = await run(true, (env) =>
      upgrade(env, 'head').then(
        () => 'ran',
        (e: Error) => e.message,
      ),
    );
    assert.match(refused.result, /fill in the 'using' expression of op\.alterColumn\('t', 'n'/);

    fs.writeFileSync(file, fillIn(text));
    await run(true, (env) => upgrade(env, 'head'));
    await run(true, async (env) => {
      const rows = await sql<{
        n: unknown;
        flag: unknown;
      }>`SELECT n, flag::text AS flag FROM t ORDER BY id`.execute(await env.db());
      assert.deepEqual(rows.rows, [
        { n: 5, flag: '2020-01-01' },
        { n: null, flag: null },
      ]);
    });
    assert.equal((await run(true, (env) => check(env))).out, 'No new upgrade operations detected.\n');
    await run(false, (env) => downgrade(env, '-1'));
    await run(false, async (env) => {
      const rows = await sql<{ n: number; flag: boolean }>`SELECT n, flag FROM t ORDER BY id`.execute(
        await env.db(),
      );
      assert.deepEqual(rows.rows, [
        { n: 5, flag: true },
        { n: null, flag: false },
      ]);
    });
  } finally {
    await db.drop();
    scripts.cleanup();
  }
});

for (const dialect of DIALECTS.filter((d) => d !== 'postgres')) {
  test(`on ${dialect}, the revision with using filled in runs both ways (using is PostgreSQL's only)`, async () => {
    const { db, scripts, run, file } = await generate(dialect);
    try {
      const text = fillIn(fs.readFileSync(file, 'utf8'));
      assert.ok(text.includes(`using: ${JSON.stringify('to_jsonb("n")')}`), text);
      fs.writeFileSync(file, text);
      await run(true, (env) => upgrade(env, 'head'));
      assert.equal((await run(true, (env) => check(env))).out, 'No new upgrade operations detected.\n');
      await run(false, (env) => downgrade(env, '-1'));
      const { result: live } = await run(false, async (env) =>
        introspector(dialect).getTables(await env.db()),
      );
      const back = compareSchemas(model(false), live, { dialect, versionTable: 'alembic_version' });
      assert.deepEqual(back.detected, [], 'the downgrade restores the first types');
    } finally {
      await db.drop();
      scripts.cleanup();
    }
  });
}

/**
 * The static cast table against PostgreSQL itself: for every pair of portable types, the engine's
 * ALTER … TYPE … USING "col"::type fails (even on an empty table) exactly where noPostgresCast says.
 */
test('on postgres, noPostgresCast agrees with the server for every pair of portable types', async () => {
  const types: ColumnTypeName[] = [
    'integer',
    'bigint',
    'smallint',
    'boolean',
    'text',
    'string(20)',
    'date',
    'timestamp',
    'float',
    'numeric(8,2)',
    'json',
  ];
  const db = await scratchDatabase('postgres');
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  const impl = dialectImpl('postgres');
  try {
    const wrong: string[] = [];
    for (const from of types) {
      for (const to of types) {
        if (from === to) continue;
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(
            impl.createTable('t', { columns: [{ name: 'c', type: from, nullable: true }] })[0]!,
          );
          const ran = await (async () => {
            for (const s of impl.alterColumn('t', { name: 'c', type: from, nullable: true }, { type: to }) ??
              [])
              await client.query(s);
          })().then(
            () => true,
            () => false,
          );
          if (ran === noPostgresCast(from, to))
            wrong.push(`${from} → ${to}: the server ${ran ? 'casts' : 'refuses'}`);
        } finally {
          await client.query('ROLLBACK');
          client.release();
        }
      }
    }
    assert.deepEqual(wrong, []);
  } finally {
    await pool.end();
    await db.drop();
  }
});
