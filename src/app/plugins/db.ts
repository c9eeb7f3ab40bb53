import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppDatabase } from '../../db/database.js';
import type { SchemaStatus } from '../../db/schema-status.js';

declare module 'fastify' {
  interface FastifyInstance {
    database: AppDatabase;
    schemaStatus: SchemaStatus;
  }
}

export interface DbOptions {
  database: AppDatabase;
  schemaStatus: SchemaStatus;
  /** Destroy the pool when the app closes (the server owns it; tests may share one). */
  owns: boolean;
}

/** The database handle for every route; the pool is closed last when the app shuts down. */
async function dbPlugin(app: FastifyInstance, opts: DbOptions): Promise<void> {
  app.decorate('database', opts.database);
  app.decorate('schemaStatus', opts.schemaStatus);
  if (opts.owns) {
    // Runs after build-app's last onClose hook, which waits for the work of requests whose
    // clients hung up (onClose hooks run in reverse order of registration).
    app.addHook('onClose', () => opts.database.destroy());
  }
}

export default fp(dbPlugin, { name: 'db' });
