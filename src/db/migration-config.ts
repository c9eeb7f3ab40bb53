import path from 'node:path';
import { pathToFileURL } from 'node:url';
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
    versionTable: env.EXPIREEYE_VERSION_TABLE || 'alembic_version',
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
