import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseFromEnv } from '../config/database-config.js';
import type { MigrationConfig } from '../migrate/runtime/config.js';
import { projectRoot } from '../paths.js';

const modelsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'models');

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
      const { metadata } = await import('../models/index.js');
      await metadata.assertAllRegistered(modelsDir);
      return metadata.schema();
    },
  };
}
