import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/config-error.js';
import { databaseFromEnv } from '../config/database-config.js';
import type { MigrationConfig } from '../migrate/runtime/config.js';
import { projectRoot } from '../paths.js';

/**
 * The compiled models, loaded from tsc's output by path — never from the CLI bundle's own copy —
 * so that the registry and the files the registration check imports are the same objects.
 */
const modelsDir = path.join(projectRoot, 'dist', 'src', 'models');

/**
 * ExpireEye's plug into the migration engine: Alembic's alembic.ini + env.py. The models
 * registry is the target metadata; `EXPIREEYE_SCRIPT_LOCATION` points at another migrations
 * folder (tests use scratch ones).
 */
export function migrationConfig(env: NodeJS.ProcessEnv = process.env): MigrationConfig {
  return {
    scriptLocation: path.resolve(env.EXPIREEYE_SCRIPT_LOCATION ?? path.join(projectRoot, 'migrations')),
    database: () => databaseFromEnv(env),
    versionTable: versionTableName(env),
    metadata: async () => {
      // Loaded only by autogenerate and check.
      const registry: typeof import('../models/index.js') = await import(
        pathToFileURL(path.join(modelsDir, 'index.js')).href
      );
      const { metadata } = registry;
      await metadata.assertAllRegistered(modelsDir);
      return metadata.schema();
    },
  };
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
      `must be a table name of at most 59 letters, digits and underscores, got '${raw}'`,
    );
  }
  return raw;
}
