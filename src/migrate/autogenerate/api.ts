import { CommandError } from '../commands/errors.js';
import { checkKnownHeads } from '../commands/resolve.js';
import { introspector } from '../introspect/index.js';
import type { Environment } from '../runtime/environment.js';
import { LOG } from '../runtime/output.js';
import { assertForeignKeyTargets } from '../schema/foreign-key-targets.js';
import type { SchemaDef } from '../schema/types.js';
import { type CompareResult, compareSchemas } from './compare.js';
import { dialectTypeWarnings } from './dialect-type-warnings.js';
import { reverseOps } from './diff-ops.js';
import { castWarnings } from './postgres-casts.js';
import { renderOps } from './render.js';
import { renameHints, warningLog, warningsFor } from './warnings.js';

/**
 * Alembic's `autogenerate/api.py`: what `revision --autogenerate` and `check` share. Compares the
 * configured models with the live database, after the guards Alembic applies, and logs what it
 * finds (`Detected …` INFO lines; WARN lines for what a reviewer must not miss).
 */
export async function compareWithDatabase(env: Environment): Promise<CompareResult> {
  env.announce();
  const target = await loadMetadata(env);
  const map = await env.script.map();
  const db = await env.db();
  const current = await env.currentHeads(db);
  checkKnownHeads(map, current);
  // Alembic compares with get_revisions('heads'): the real heads, not a head only depended on.
  const heads = map.resolve('heads');
  const upToDate = current.length === heads.length && heads.every((h) => current.includes(h));
  if (!upToDate) {
    throw new CommandError(
      `Target database is not up to date.\n` +
        `The database is at ${current.length ? current.join(', ') : 'base (no revision applied)'}; ` +
        (heads.length === 1
          ? `the scripts' head is ${heads[0]}. Run 'expireeye db upgrade head' first, then try again.`
          : `the scripts' heads are ${heads.join(', ')}. Run 'expireeye db upgrade heads' first, then try again.`),
      true,
    );
  }
  const reflected = await introspector(env.url.dialect).getTables(db);
  const result = compareSchemas(target, reflected, {
    dialect: env.url.dialect,
    versionTable: env.versionTableName,
  });
  for (const line of result.skipped) env.output.warn(LOG.compare, line);
  for (const line of result.detected) env.output.info(LOG.compare, line);
  for (const op of result.ops) {
    for (const w of warningsFor(op)) env.output.warn(LOG.compare, warningLog(w));
  }
  // The downgrade recreates what the upgrade drops: a type only this database knows is said here
  // too, and so is a type change back that PostgreSQL cannot cast.
  for (const op of reverseOps(result.ops)) {
    for (const w of [...dialectTypeWarnings(op), ...castWarnings(op)]) {
      env.output.warn(LOG.compare, `Downgrade: ${warningLog(w)}`);
    }
  }
  for (const hint of renameHints(result.ops).values())
    env.output.warn(LOG.compare, `Possible rename: ${hint}`);
  return result;
}

async function loadMetadata(env: Environment): Promise<SchemaDef> {
  const metadata = env.config.metadata;
  if (!metadata) {
    throw new CommandError(
      `Can't proceed with --autogenerate option; the migration configuration for ${env.script.dir} does not provide a metadata() function returning the models' schema.`,
      true,
    );
  }
  try {
    // Checked whatever built the schema (defineMetadata checks too; a plain SchemaDef does not).
    const schema = await metadata();
    assertForeignKeyTargets(schema);
    return schema;
  } catch (e) {
    // An unregistered model file, a foreign key to an unknown table: one clear line, no stack.
    throw new CommandError(e instanceof Error ? e.message : String(e), true);
  }
}

/** The bodies of `upgrade()` and `downgrade()` for a comparison's ops. */
export function renderMigration(
  result: CompareResult,
  env: Environment,
): { upgrade: string[]; downgrade: string[] } {
  const dialect = env.url.dialect;
  return {
    upgrade: renderOps(result.ops, { dialect, direction: 'upgrade' }),
    downgrade: renderOps(reverseOps(result.ops), { dialect, direction: 'downgrade' }),
  };
}
