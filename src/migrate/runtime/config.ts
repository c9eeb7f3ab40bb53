import type { SchemaDef } from '../schema/types.js';
import type { DatabaseUrl } from './database-url.js';

/**
 * What an application plugs into the engine: Alembic's alembic.ini and env.py in one object. The
 * engine never imports application code; the application hands it this.
 */
export interface MigrationConfig {
  /** The migrations folder; revision files live in its `versions/`. */
  scriptLocation: string;
  /** Resolves the database to use. Called only by commands that need one, so `history` works without. */
  database: () => DatabaseUrl;
  /** Default `alembic_version`, so databases Alembic managed keep their history. */
  versionTable?: string;
  /** The target metadata for autogenerate and check. */
  metadata?: () => Promise<SchemaDef>;
  /** The module specifier revision files import `Operations` from. */
  importPath?: string;
}
