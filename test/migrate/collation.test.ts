import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { compareSchemas } from '../../src/migrate/autogenerate/compare.js';
import { correctReflected } from '../../src/migrate/autogenerate/dialect-rules.js';
import { autogenerate } from '../../src/migrate/commands/autogenerate.js';
import { check } from '../../src/migrate/commands/check.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import {
  type Collation,
  col,
  type DialectName,
  defineMetadata,
  defineTable,
  type Environment,
  type SchemaDef,
  type TableDef,
} from '../../src/migrate/index.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { columnCollations } from '../../src/migrate/introspect/sqlite-collations.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { runWithModels, scratchScripts, writeRevision } from '../support/engine.js';
import { applyWithNativeClient } from '../support/native-client.js';

/**
 * Column collations (`col.string(n).collation({ mysql: … })`) through the whole cycle on every
 * dialect: created, compared clean, changed by autogenerate, kept by changes that restate the
 * column (MySQL's MODIFY, PostgreSQL's SET DATA TYPE, SQLite's copy-and-move), restored by the
 * downgrade, and scripted by `--sql` to the same schema.
 */

const FIRST: Collation = { sqlite: 'NOCASE', mysql: 'utf8mb4_bin', postgres: 'C' };
const SECOND: Collation = { sqlite: 'RTRIM', mysql: 'utf8mb4_unicode_ci', postgres: 'POSIX' };

function models(version: 1 | 2 | 3): SchemaDef {
  const key = version === 3 ? col.string(200) : col.string(100);
  const labels = defineTable('labels', {
    id: col.string(36).primaryKey(),
    key: key.collation(version === 1 ? FIRST : SECOND).unique(),
    note: version === 1 ? col.text().nullable() : col.text().nullable().collation(FIRST),
    ...(version === 1 ? {} : { code: col.string(10).nullable().collation(SECOND) }),
  });
  return defineMetadata([labels]).schema();
}

const run = <T>(db: ScratchDatabase, dir: string, target: SchemaDef, fn: (env: Environment) => Promise<T>) =>
  runWithModels(db.url, dir, target, fn);

async function tables(db: ScratchDatabase, dir: string): Promise<TableDef[]> {
  return (
    await run(db, dir, { tables: [] }, async (env) => introspector(db.dialect).getTables(await env.db()))
  ).result;
}

/** Each column's collation as the comparator sees it (MySQL's table default read as none). */
async function collations(db: ScratchDatabase, dir: string): Promise<Record<string, string | undefined>> {
  const labels = (await tables(db, dir)).find((t) => t.name === 'labels')!;
  const t = correctReflected(labels, undefined, db.dialect);
  return Object.fromEntries(t.columns.map((c) => [c.name, c.collation?.[db.dialect]]));
}

const CLEAN = 'No new upgrade operations detected.\n';
const one = (c: Collation, d: DialectName) => `{ ${d}: '${c[d]}' }`;
const flat = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/,\s*([}\])])/g, ' $1');

for (const dialect of DIALECTS) {
  describe(`column collations on ${dialect}`, () => {
    test('create, compare clean, change, keep across a type change, downgrade, --sql', async () => {
      const [db, offline] = await Promise.all([scratchDatabase(dialect), scratchDatabase(dialect)]);
      const scripts = scratchScripts();
      const dir = scripts.dir;
      try {
        const v1 = models(1);
        const created = await run(db, dir, v1, (env) => autogenerate(env, { message: 'labels' }));
        const first = flat(fs.readFileSync(created.result!, 'utf8'));
        assert.ok(
          first.includes(
            "{ name: 'key', type: 'string(100)', nullable: false, collation: { sqlite: 'NOCASE', mysql: 'utf8mb4_bin', postgres: 'C' } }",
          ),
          first,
        );
        await run(db, dir, v1, (env) => upgrade(env, 'head'));
        assert.equal((await run(db, dir, v1, check)).out, CLEAN);
        // The server's default collation is never a difference, nor named where the model names none.
        assert.deepEqual(await collations(db, dir), { id: undefined, key: FIRST[dialect], note: undefined });
        const before = await tables(db, dir);

        const v2 = models(2);
        const changed = await run(db, dir, v2, (env) => autogenerate(env, { message: 'collations' }));
        const text = flat(fs.readFileSync(changed.result!, 'utf8'));
        const [up, down] = text.split('export async function downgrade');
        assert.ok(
          up!.includes(
            `await op.alterColumn('labels', 'key', { collation: ${one(SECOND, dialect)}, existing: { type: 'string(100)', nullable: false, collation: ${one(FIRST, dialect)} } });`,
          ),
          up,
        );
        assert.ok(
          up!.includes(
            `await op.alterColumn('labels', 'note', { collation: ${one(FIRST, dialect)}, existing: { type: 'text', nullable: true } });`,
          ),
          up,
        );
        assert.ok(
          up!.includes("collation: { sqlite: 'RTRIM', mysql: 'utf8mb4_unicode_ci', postgres: 'POSIX' }"),
          up,
        );
        assert.match(up!, /WARNING: changes the collation of 'labels.key'/);
        assert.ok(
          down!.includes(
            `await op.alterColumn('labels', 'note', { collation: { ${dialect}: null }, existing: { type: 'text', nullable: true, collation: ${one(FIRST, dialect)} } });`,
          ),
          down,
        );
        assert.ok(
          down!.includes(`await op.alterColumn('labels', 'key', { collation: ${one(FIRST, dialect)},`),
          down,
        );
        assert.match(changed.err, /Detected collation change from \S+ to \S+ on 'labels.key'/);

        await run(db, dir, v2, (env) => upgrade(env, 'head'));
        assert.equal((await run(db, dir, v2, check)).out, CLEAN);
        assert.deepEqual(await collations(db, dir), {
          id: undefined,
          key: SECOND[dialect],
          note: FIRST[dialect],
          code: SECOND[dialect],
        });
        // A model that declares no collation for a column that has one reports nothing.
        const undeclared = models(2);
        for (const c of undeclared.tables[0]!.columns) delete c.collation;
        assert.deepEqual(
          compareSchemas(undeclared, await tables(db, dir), { dialect, versionTable: 'alembic_version' }).ops,
          [],
        );

        // A change that restates the column keeps its collation: autogenerate's (with `existing`)
        // and a hand-written one (MySQL's MODIFY then reads the live column).
        const v3 = models(3);
        const widened = await run(db, dir, v3, (env) => autogenerate(env, { message: 'widen key' }));
        const head = path.basename(widened.result!).split('_')[0]!;
        writeRevision(dir, {
          id: 'c011a7e00001',
          down: head,
          message: 'note not null',
          upgrade: ["await op.alterColumn('labels', 'note', { nullable: false });"],
          downgrade: ["await op.alterColumn('labels', 'note', { nullable: true });"],
        });
        await run(db, dir, v3, (env) => upgrade(env, 'head'));
        const widenedKey = (await tables(db, dir))
          .find((t) => t.name === 'labels')!
          .columns.find((c) => c.name === 'key')!;
        assert.equal(widenedKey.type, 'string(200)');
        assert.deepEqual(await collations(db, dir), {
          id: undefined,
          key: SECOND[dialect],
          note: FIRST[dialect],
          code: SECOND[dialect],
        });

        // `--sql` scripts the same schema.
        const off = await run(offline, dir, v3, (env) => upgrade(env, 'head', { sql: true }));
        await applyWithNativeClient(offline, off.out);
        assert.deepEqual(await tables(offline, dir), await tables(db, dir));

        await run(db, dir, v3, (env) => downgrade(env, '-3'));
        assert.deepEqual(await tables(db, dir), before);
        assert.deepEqual(
          compareSchemas(v1, await tables(db, dir), { dialect, versionTable: 'alembic_version' }).ops,
          [],
        );
      } finally {
        await Promise.all([db.drop(), offline.drop()]);
        scripts.cleanup();
      }
    });

    test('a collation change named only for other databases is no statement here (no copy-and-move)', async () => {
      const db = await scratchDatabase(dialect);
      const scripts = scratchScripts();
      try {
        const other = dialect === 'mysql' ? 'postgres' : 'mysql';
        writeRevision(scripts.dir, {
          id: 'c0ll00000001',
          upgrade: [
            "await op.createTable('t', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'k', type: 'string(10)', nullable: false }], primaryKey: { name: 'pk_t', columns: ['id'] } });",
          ],
        });
        writeRevision(scripts.dir, {
          id: 'c0ll00000002',
          down: 'c0ll00000001',
          upgrade: [`await op.alterColumn('t', 'k', { collation: { ${other}: 'C' } });`],
        });
        const { out } = await run(db, scripts.dir, { tables: [] }, (env) =>
          upgrade(env, 'c0ll00000001:c0ll00000002', { sql: true }),
        );
        const step = out.slice(out.indexOf('-- Running upgrade c0ll00000001 -> c0ll00000002'));
        const statements = step
          .split(';\n')
          .map((x) => x.replace(/^--.*$/gm, '').trim())
          .filter((x) => x && !/^(BEGIN|COMMIT)$/i.test(x));
        assert.deepEqual(
          statements.map((x) => x.split(' ')[0]!.toLowerCase()),
          ['update'],
          `only the version table moves: ${step}`,
        );
        // Online too: the column keeps its collation and the table its rows.
        await run(db, scripts.dir, { tables: [] }, (env) => upgrade(env, 'head'));
      } finally {
        await db.drop();
        scripts.cleanup();
      }
    });

    test('a collation given as one string for every dialect is refused', () => {
      assert.throws(() => col.string(10).collation('utf8mb4_bin' as never), /named per dialect/);
      assert.throws(() => col.string(10).collation({ oracle: 'x' } as never), /Unknown dialect 'oracle'/);
    });
  });
}

if (DIALECTS.includes('mysql')) {
  test('on MariaDB, a unique utf8mb4_bin column holds keys that differ only in accents', async () => {
    const db = await scratchDatabase('mysql');
    const scripts = scratchScripts();
    const schema = (collation?: Collation) =>
      defineMetadata([
        defineTable('products', {
          id: col.string(36).primaryKey(),
          name_key: (collation ? col.string(300).collation(collation) : col.string(300)).unique(),
        }),
      ]).schema();
    try {
      for (const [collation, accepted] of [
        [undefined, false],
        [{ mysql: 'utf8mb4_bin' }, true],
      ] as const) {
        const target = schema(collation);
        await run(db, scripts.dir, target, (env) => autogenerate(env, { message: 'products' }));
        await run(db, scripts.dir, target, (env) => upgrade(env, 'head'));
        await run(db, scripts.dir, target, async (env) => {
          const conn = await env.db();
          await sql`DELETE FROM products`.execute(conn);
          await conn.insertInto('products').values({ id: '1', name_key: 'musli' }).execute();
          const second = conn.insertInto('products').values({ id: '2', name_key: 'müsli' }).execute();
          if (accepted) await second;
          else await assert.rejects(second, /Duplicate entry/, 'the default collation ignores accents');
        });
      }
      // Declaring the table's default collation is no difference, though MySQL reports no COLLATE for it.
      const reflected = await tables(db, scripts.dir);
      const products = reflected.find((t) => t.name === 'products')!;
      assert.ok(products.defaultCollation);
      const declared = schema({ mysql: products.defaultCollation });
      declared.tables[0]!.columns.find((c) => c.name === 'name_key')!.collation = { mysql: 'utf8mb4_bin' };
      declared.tables[0]!.columns.find((c) => c.name === 'id')!.collation = {
        mysql: products.defaultCollation,
      };
      assert.deepEqual(
        compareSchemas(declared, reflected, { dialect: 'mysql', versionTable: 'alembic_version' }).ops,
        [],
      );
    } finally {
      await db.drop();
      scripts.cleanup();
    }
  });
}

test('SQLite column collations are read from the CREATE TABLE text', () => {
  const created = `CREATE TABLE "t" ("a" varchar(10) COLLATE "NOCASE" NOT NULL, b text default 'x collate y' collate rtrim,
    [c d] text, e text CHECK (e <> 'COLLATE z'), CONSTRAINT "uq" UNIQUE ("a"), f numeric(6, 2) collate binary)`;
  assert.deepEqual(
    [...columnCollations(created)],
    [
      ['a', 'NOCASE'],
      ['b', 'rtrim'],
      ['f', 'binary'],
    ],
  );
});
