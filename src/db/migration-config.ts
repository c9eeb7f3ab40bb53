import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/config-error.js';
import { databaseFromEnv } from '../config/database-config.js';
import type { MigrationConfig } from '../migrate/runtime/config.js';
import { filesUnder } from '../migrate/schema/model-files.js';
import { projectRoot } from '../paths.js';

/**
 * ExpireEye's plug into the migration engine: Alembic's alembic.ini + env.py. The models
 * registry is the target metadata; `EXPIREEYE_SCRIPT_LOCATION` points at another migrations
 * folder (tests use scratch ones). `root` is the project (tests use a scratch copy).
 */
export function migrationConfig(env: NodeJS.ProcessEnv = process.env, root = projectRoot): MigrationConfig {
  // The compiled models, loaded from tsc's output by path — never from the CLI bundle's own copy —
  // so that the registry and the files the registration check imports are the same objects.
  const modelsDir = path.join(root, 'dist', 'src', 'models');
  return {
    scriptLocation: scriptLocation(env, root),
    database: () => databaseFromEnv(env),
    versionTable: versionTableName(env),
    metadata: async () => {
      // Loaded only by autogenerate and check.
      const modules = builtModelModules(root, modelsDir);
      const registry: typeof import('../models/index.js') = await import(
        pathToFileURL(path.join(modelsDir, 'index.js')).href
      );
      const { metadata } = registry;
      await metadata.assertAllRegistered(modelsDir, modules);
      return metadata.schema();
    },
  };
}

/**
 * The compiled model modules, once they are known to be the models as written in src/models.
 * Autogenerate reads tsc's output, so a model edited or added since the last build would be
 * compared as it was — "No changes in schema detected.", or a revision without the change — and a
 * deleted one keeps its old output (tsc never removes it), which must not count as an unregistered
 * model. Subfolders count as much as the top level. Without the sources (an image that ships
 * dist/ only) every compiled module counts.
 */
function builtModelModules(root: string, modelsDir: string): string[] | undefined {
  const sourceDir = path.join(root, 'src', 'models');
  if (!fs.existsSync(sourceDir)) return undefined;
  const sources = filesUnder(sourceDir, (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const builtAt = lastCompleteBuild(path.join(modelsDir, '..', '..', '.tsbuildinfo'));
  const modules: string[] = [];
  for (const source of sources) {
    const module = source.replace(/\.ts$/, '.js');
    const built = fs.statSync(path.join(modelsDir, module), { throwIfNoEntry: false });
    const edited = fs.statSync(path.join(sourceDir, source)).mtimeMs;
    if (!built || (built.mtimeMs < edited && builtAt() < edited)) {
      throw new Error(
        `${sourceName(source)} ${built ? 'changed after the last build' : 'has not been built yet'}: ` +
          `run 'npm run build' first (${COMPARES_COMPILED})`,
      );
    }
    modules.push(module);
  }
  refuseImportedLeftovers(modelsDir, new Set(modules));
  return modules;
}

const COMPARES_COMPILED = 'autogenerate compares the database with the compiled models in dist/src/models';

/** A models module (`billing/invoice.ts` or its `.js`) as the user knows it: `src/models/billing/invoice.ts`. */
function sourceName(module: string): string {
  return path.posix.join('src/models', ...module.replace(/\.js$/, '.ts').split(path.sep));
}

/**
 * A model file deleted while another still imports it: the import's compiled leftover (tsc never
 * removes it) would be loaded and compared as if it were still a model. The importer's source is
 * unchanged since the build (else the loop above stopped), so it imports the deleted file too.
 */
function refuseImportedLeftovers(modelsDir: string, current: Set<string>): void {
  const compiled = filesUnder(modelsDir, (f) => f.endsWith('.js'));
  const leftovers = new Set(compiled.filter((m) => !current.has(m)));
  if (leftovers.size === 0) return;
  for (const module of current) {
    const text = fs.readFileSync(path.join(modelsDir, module), 'utf8');
    for (const [, specifier] of text.matchAll(/\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.normalize(path.join(path.dirname(module), specifier!));
      if (!leftovers.has(target)) continue;
      throw new Error(
        `${sourceName(target)} no longer exists, but ${sourceName(module)} still imports it: remove the import, then run 'npm run build' (${COMPARES_COMPILED})`,
      );
    }
  }
}

/**
 * When tsc last finished a build that emitted everything, read lazily from its build info (0 if
 * unknown). `tsc -b` leaves an output whose content did not change untouched (a model saved
 * unchanged, or checked out again, stays older than its source) but rewrites the build info on
 * every build that read a changed source — and so does `tsc --noEmit`, which emits nothing and
 * records what it left to emit: build info that lists pending emits says nothing about dist/.
 */
function lastCompleteBuild(file: string): () => number {
  let at: number | undefined;
  return () => {
    if (at !== undefined) return at;
    at = 0;
    try {
      const info = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      const pending = [info.affectedFilesPendingEmit, info.pendingEmit].some(
        (v) => v !== undefined && !(Array.isArray(v) && v.length === 0),
      );
      if (!pending) at = fs.statSync(file).mtimeMs;
    } catch {
      // No build info, or not JSON: only the outputs' own times count.
    }
    return at;
  };
}

/**
 * `EXPIREEYE_SCRIPT_LOCATION`, else the project's `migrations/`. A folder set there that is not a
 * migrations folder (no `versions/` in it) is a bad setting, named as such; the default missing
 * is the engine's "Path doesn't exist".
 */
function scriptLocation(env: NodeJS.ProcessEnv, root: string): string {
  const set = env.EXPIREEYE_SCRIPT_LOCATION?.trim();
  if (!set) return path.join(root, 'migrations');
  const folder = path.resolve(set);
  if (!fs.statSync(path.join(folder, 'versions'), { throwIfNoEntry: false })?.isDirectory()) {
    throw new ConfigError(
      'EXPIREEYE_SCRIPT_LOCATION',
      `'${folder}' is not a migrations folder: it must hold the revision files in a versions/ folder`,
    );
  }
  return folder;
}

/**
 * `EXPIREEYE_VERSION_TABLE`: a plain table name in the connection's own schema. At most 59
 * characters, so that its primary key's name (`<table>_pkc`) fits MySQL's 64 and PostgreSQL's 63.
 * A schema-qualified name (`ops.versions`) is refused rather than half-supported.
 */
function versionTableName(env: NodeJS.ProcessEnv): string {
  const raw = env.EXPIREEYE_VERSION_TABLE?.trim();
  if (!raw) return 'alembic_version';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,58}$/.test(raw)) {
    throw new ConfigError(
      'EXPIREEYE_VERSION_TABLE',
      `must be a table name of at most 59 letters, digits and underscores, not starting with a digit, got '${raw}'`,
    );
  }
  return raw;
}
