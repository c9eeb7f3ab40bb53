import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { upgrade } from '../../src/migrate/commands/upgrade.js';
import {
  CapturedOutput,
  type DialectName,
  Environment,
  type MigrationConfig,
  parseDatabaseUrl,
  type SchemaDef,
  sqliteTimestamp,
} from '../../src/migrate/index.js';
import { renderRevisionFile } from '../../src/migrate/script/revision-file.js';
import { scratchDatabase } from './databases.js';

/** A scratch migrations folder, removed by `cleanup()`. */
export function scratchScripts(): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-scripts-'));
  fs.mkdirSync(path.join(dir, 'versions'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface RevisionSpec {
  id: string;
  down?: string | string[] | null;
  message?: string;
  upgrade?: string[];
  downgrade?: string[];
  branchLabels?: string[];
  dependsOn?: string[];
}

/** Writes a revision file in the template's format, with the given upgrade/downgrade bodies. */
export function writeRevision(dir: string, spec: RevisionSpec): string {
  const down = spec.down == null ? [] : Array.isArray(spec.down) ? spec.down : [spec.down];
  const message = spec.message ?? spec.id;
  const file = path.join(dir, 'versions', `${spec.id}_${message.replace(/\W+/g, '_').toLowerCase()}.ts`);
  fs.writeFileSync(
    file,
    renderRevisionFile({
      revision: spec.id,
      downRevisions: down,
      branchLabels: spec.branchLabels ?? [],
      dependsOn: spec.dependsOn ?? [],
      message,
      createDate: '2026-11-25 12:00:00.000000',
      upgrade: (spec.upgrade ?? []).map((l) => `  ${l}`),
      downgrade: (spec.downgrade ?? []).map((l) => `  ${l}`),
      importPath: 'expireeye/migrate',
    }),
  );
  return file;
}

/** An engine environment on a database URL and a script folder, capturing its output. */
export function engine(url: string, scriptLocation: string, extra: Partial<MigrationConfig> = {}) {
  const output = new CapturedOutput();
  const env = new Environment({ scriptLocation, database: () => parseDatabaseUrl(url), ...extra }, output);
  return { env, output };
}

/**
 * Runs one command in a fresh environment on `url` and `scriptLocation` whose models are `target`,
 * as the CLI would, and closes it: the command's result and what it printed.
 */
export async function runWithModels<T>(
  url: string,
  scriptLocation: string,
  target: SchemaDef,
  fn: (env: Environment) => Promise<T>,
) {
  const { env, output } = engine(url, scriptLocation, { metadata: async () => structuredClone(target) });
  try {
    return { result: await fn(env), out: output.stdoutText, err: output.stderrText };
  } finally {
    await env.close();
  }
}

/** Runs one command on a scratch database and scripts folder whose models are `target`: its result. */
export type RunOnScratch = <T>(target: SchemaDef, fn: (env: Environment) => Promise<T>) => Promise<T>;

/** A scratch database of `dialect` and a scratch scripts folder for `fn`, both removed after. */
export async function withScratchWorkspace(
  dialect: DialectName,
  fn: (run: RunOnScratch) => Promise<void>,
): Promise<void> {
  const db = await scratchDatabase(dialect);
  const scripts = scratchScripts();
  try {
    await fn(async (target, f) => (await runWithModels(db.url, scripts.dir, target, f)).result);
  } finally {
    await db.drop();
    scripts.cleanup();
  }
}

/** The app's real migrations folder. */
export const APP_MIGRATIONS = path.resolve(import.meta.dirname, '..', '..', '..', 'migrations');

/**
 * Runs `body` with an engine on `url` upgraded to revision `rev` of the app's migrations, and the
 * engine's own connection (to insert legacy rows with), closing it after.
 */
export async function fromAppRevision(
  url: string,
  rev: string,
  body: (env: Environment, conn: Kysely<any>) => Promise<void>,
): Promise<void> {
  const { env } = engine(url, APP_MIGRATIONS);
  try {
    await upgrade(env, rev);
    await body(env, await env.db());
  } finally {
    await env.close();
  }
}

/** Second `s` of 2026 as the engine's connection takes a timestamp: SQLite's as text. */
export function engineTimestamp(dialect: DialectName, s: number): Date | string {
  const d = new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  return dialect === 'sqlite' ? sqliteTimestamp(d) : d;
}

/** The revision the version table names (one head). */
export async function versionOf(conn: Kysely<any>): Promise<string> {
  return (await conn.selectFrom('alembic_version').select('version_num').executeTakeFirstOrThrow())
    .version_num;
}

/** A MySQL/MariaDB column's collation. */
export async function mysqlCollation(conn: Kysely<any>, table: string, column: string): Promise<string> {
  const { rows } = await sql<{ c: string }>`select COLLATION_NAME as c from information_schema.COLUMNS
    where TABLE_SCHEMA = database() and TABLE_NAME = ${table} and COLUMN_NAME = ${column}`.execute(conn);
  return rows[0]!.c;
}
