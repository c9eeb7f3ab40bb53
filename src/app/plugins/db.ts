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

/**
 * How long the pool must have been unused before it closes: longer than a request takes to go
 * from one step to the next (its token check to its handler) without touching the database.
 */
const QUIET_MS = 50;

/** The database handle for every route; the pool is closed last when the app shuts down. */
async function dbPlugin(app: FastifyInstance, opts: DbOptions): Promise<void> {
  app.decorate('database', opts.database);
  app.decorate('schemaStatus', opts.schemaStatus);
  if (opts.owns) {
    app.addHook('onClose', async () => {
      // Requests whose clients hung up may still be at work — in a handler, or at the database
      // before it (the token check), after which Fastify may still start the handler. Wait until
      // no handler runs and the pool has been unused for a moment (the server's shutdown grace
      // period bounds the wait).
      do {
        await app.inFlight.drained();
        await opts.database.idle(QUIET_MS);
      } while (app.inFlight.count > 0);
      await opts.database.destroy();
    });
  }
}

export default fp(dbPlugin, { name: 'db', dependencies: ['in-flight'] });
