/**
 * Autogenerate and `check` on a large schema (issue 3, "Performance"): 200 tables × 15 columns,
 * each with two indexes, a unique constraint and foreign keys, on SQLite, MariaDB and PostgreSQL.
 *
 *   npm run build && node dist/bench/autogenerate.js [--dialect sqlite|mysql|postgres]... [--runs N]
 *
 * For each dialect: a scratch database is brought to the schema (by autogenerate itself, from
 * empty, then `upgrade head`), then, each timed in-process and repeated --runs times:
 * - `check` against the database at that schema (introspection + comparison, nothing differs);
 * - `revision --autogenerate` after changing ten tables (introspection + comparison + rendering
 *   + writing the file; the file is removed after each run).
 * It also counts the database round trips each command makes, to show that introspection costs a
 * fixed number of catalogue queries, not one per table. Targets: < 2 s on MariaDB and PostgreSQL,
 * < 1 s on SQLite. Servers: TEST_MYSQL_URL / TEST_POSTGRES_URL as for the tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { KyselyPlugin } from 'kysely';
import { compareSchemas } from '../src/migrate/autogenerate/compare.js';
import { reverseOps } from '../src/migrate/autogenerate/diff-ops.js';
import { renderOps } from '../src/migrate/autogenerate/render.js';
import { autogenerate } from '../src/migrate/commands/autogenerate.js';
import { check } from '../src/migrate/commands/check.js';
import { upgrade } from '../src/migrate/commands/upgrade.js';
import {
  CapturedOutput,
  type DialectName,
  Environment,
  type MigrationConfig,
  parseDatabaseUrl,
  type SchemaDef,
  type TableDef,
} from '../src/migrate/index.js';
import { introspector } from '../src/migrate/introspect/index.js';
import { scratchDatabase } from '../test/support/databases.js';
import { scratchScripts } from '../test/support/engine.js';

const TABLES = 200;
const TARGET_MS: Record<DialectName, number> = { sqlite: 1000, mysql: 2000, postgres: 2000 };

/** t000 … t199: 15 columns of every portable kind, 2 indexes, 1 unique, FKs to earlier tables. */
function bigSchema(): SchemaDef {
  const tables: TableDef[] = [];
  for (let i = 0; i < TABLES; i++) {
    const name = `t${String(i).padStart(3, '0')}`;
    const refs = i === 0 ? [] : i % 3 === 0 ? [i - 1, Math.floor(i / 2)] : [i - 1];
    const t: TableDef = {
      name,
      columns: [
        { name: 'id', type: 'string(36)', nullable: false },
        { name: 'code', type: 'string(32)', nullable: false },
        { name: 'title', type: 'string(255)', nullable: false, default: '' },
        { name: 'body', type: 'text', nullable: true },
        { name: 'amount', type: 'numeric(10,2)', nullable: true },
        { name: 'quantity', type: 'integer', nullable: false, default: 1 },
        { name: 'big', type: 'bigint', nullable: true },
        { name: 'small', type: 'smallint', nullable: true },
        { name: 'ratio', type: 'float', nullable: true },
        { name: 'active', type: 'boolean', nullable: false, default: true },
        { name: 'day', type: 'date', nullable: true },
        { name: 'created_at', type: 'timestamp', nullable: false, default: { expr: 'current_timestamp' } },
        { name: 'status', type: 'string(20)', nullable: false, default: 'new' },
        ...[0, 1].map((k) => ({ name: `ref${k}_id`, type: 'string(36)' as const, nullable: true })),
      ],
      primaryKey: { name: `pk_${name}`, columns: ['id'] },
      uniqueConstraints: [{ name: `uq_${name}_code`, columns: ['code'] }],
      foreignKeys: refs.map((r, k) => {
        const target = `t${String(r).padStart(3, '0')}`;
        return {
          name: `fk_${name}_ref${k}_id_${target}`,
          columns: [`ref${k}_id`],
          references: { table: target, columns: ['id'] },
          onDelete: 'set null' as const,
        };
      }),
      checks: [{ name: `ck_${name}_status`, expr: "status IN ('new', 'done')" }],
      indexes: [
        { name: `ix_${name}_created_at`, columns: ['created_at'], unique: false },
        { name: `ix_${name}_status_day`, columns: ['status', 'day'], unique: false },
      ],
    };
    tables.push(t);
  }
  return { tables };
}

/** Ten tables changed: a column added, a type widened, an index added, a default changed. */
function changed(schema: SchemaDef): SchemaDef {
  const s = structuredClone(schema);
  for (const t of s.tables.filter((_, i) => i % 20 === 0)) {
    t.columns.push({ name: 'note', type: 'string(100)', nullable: true });
    t.columns.find((c) => c.name === 'code')!.type = 'string(64)';
    t.columns.find((c) => c.name === 'status')!.default = 'open';
    t.indexes!.push({ name: `ix_${t.name}_quantity`, columns: ['quantity'], unique: false });
  }
  return s;
}

/** An Environment whose connection counts the queries sent through it. */
class CountingEnvironment extends Environment {
  queries = 0;
  override async db() {
    const counter: KyselyPlugin = {
      transformQuery: (args) => {
        this.queries++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    return (await super.db()).withPlugin(counter);
  }
}

interface Measure {
  ms: number[];
  queries: number;
}

async function timed(
  config: MigrationConfig,
  runs: number,
  fn: (env: Environment) => Promise<unknown>,
  after?: () => void,
): Promise<Measure> {
  const ms: number[] = [];
  let queries = 0;
  for (let i = 0; i < runs; i++) {
    const env = new CountingEnvironment(config, new CapturedOutput());
    const start = performance.now();
    try {
      await fn(env);
    } finally {
      ms.push(performance.now() - start);
      queries = env.queries;
      await env.close();
      after?.();
    }
  }
  return { ms, queries };
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (m: Measure) =>
  `${median(m.ms).toFixed(0).padStart(5)} ms (min ${Math.min(...m.ms).toFixed(0)}, max ${Math.max(...m.ms).toFixed(0)})`;

async function benchDialect(dialect: DialectName, runs: number): Promise<boolean> {
  const db = await scratchDatabase(dialect);
  const scripts = scratchScripts();
  try {
    const schema = bigSchema();
    const config = (target: SchemaDef): MigrationConfig => ({
      scriptLocation: scripts.dir,
      database: () => parseDatabaseUrl(db.url),
      metadata: async () => target,
    });
    const setupStart = performance.now();
    const initial = await timed(config(schema), 1, (env) => autogenerate(env, { message: 'big schema' }));
    const up = await timed(config(schema), 1, (env) => upgrade(env, 'head'));
    const setup = performance.now() - setupStart;

    const clean = await timed(config(schema), runs, async (env) => {
      const out = await check(env);
      if (out.length) throw new Error(`check found ${out.length} differences on a database at the schema`);
    });
    const versions = path.join(scripts.dir, 'versions');
    const before = new Set(fs.readdirSync(versions));
    let ops = 0;
    const gen = await timed(
      config(changed(schema)),
      runs,
      async (env) => {
        const file = await autogenerate(env, { message: 'ten tables changed' });
        if (!file) throw new Error('autogenerate found nothing to do');
        ops = (fs.readFileSync(file, 'utf8').match(/await op\./g) ?? []).length;
      },
      () => {
        for (const f of fs.readdirSync(versions)) if (!before.has(f)) fs.rmSync(path.join(versions, f));
      },
    );
    // The engine's own share, without the database: compare + render on the reflected tables.
    const reflectEnv = new Environment(config(schema), new CapturedOutput());
    const reflected = await introspector(dialect)
      .getTables(await reflectEnv.db())
      .finally(() => reflectEnv.close());
    const pure: Measure = { ms: [], queries: 0 };
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const r = compareSchemas(changed(schema), reflected, { dialect, versionTable: 'alembic_version' });
      renderOps(r.ops, { dialect, direction: 'upgrade' });
      renderOps(reverseOps(r.ops), { dialect, direction: 'downgrade' });
      pure.ms.push(performance.now() - start);
    }

    const target = TARGET_MS[dialect];
    const ok = median(clean.ms) < target && median(gen.ms) < target;
    console.log(
      `\n${dialect}  (setup: initial autogenerate ${initial.ms[0]!.toFixed(0)} ms, upgrade ${up.ms[0]!.toFixed(0)} ms, ${(setup / 1000).toFixed(1)} s in all)`,
    );
    const row = (label: string, m: Measure) =>
      console.log(`  ${label.padEnd(52)}${fmt(m)}  ${m.queries} queries`);
    row('check (clean)', clean);
    row(`autogenerate (10 tables changed, ${ops / 2} ops each way)`, gen);
    row('  of which compare + render, in memory', pure);
    console.log(`  target < ${target} ms: ${ok ? 'met' : 'NOT MET'}`);
    return ok;
  } finally {
    await db.drop();
    scripts.cleanup();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dialects: DialectName[] = [];
  let runs = 5;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--dialect') dialects.push(args[++i] as DialectName);
    else if (args[i] === '--runs') runs = Number(args[++i]);
    else {
      console.error('usage: node dist/bench/autogenerate.js [--dialect sqlite|mysql|postgres]... [--runs N]');
      process.exit(2);
    }
  }
  const s = bigSchema();
  const fks = s.tables.reduce((n, t) => n + (t.foreignKeys?.length ?? 0), 0);
  console.log(
    `autogenerate / check on ${TABLES} tables × 15 columns (${TABLES * 2} indexes, ${TABLES} unique constraints, ${fks} foreign keys, ${TABLES} checks); median of ${runs} in-process runs`,
  );
  let ok = true;
  for (const d of dialects.length ? dialects : (['sqlite', 'mysql', 'postgres'] as DialectName[])) {
    ok = (await benchDialect(d, runs)) && ok;
  }
  console.log(ok ? '\nall targets met' : '\nsome targets NOT met');
}

await main();
