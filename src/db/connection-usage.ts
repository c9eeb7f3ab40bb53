import type { DatabaseConnection, Dialect, Driver, QueryCompiler, TransactionSettings } from 'kysely';

/**
 * Counts the pool's connections in use (from the moment a query or transaction asks for one until
 * Kysely releases it — always, in a `finally`), so that shutting down can wait until the database
 * has been idle for a moment before closing the pool.
 *
 * Why not only count route handlers (plugins/in-flight.ts)? A request whose client has hung up
 * has no socket left for the server to wait for, and before its handler runs it may already be
 * at the database (the token check reads the user's token version); Fastify may then still go on
 * to the handler. Connections in use show all of that, with no per-request bookkeeping to leak.
 */
export class ConnectionUsage {
  private inUse = 0;
  private lastChange = 0;

  /** Wraps a dialect so that its driver reports connection use here. */
  wrap(dialect: Dialect): Dialect {
    return {
      createAdapter: () => dialect.createAdapter(),
      createIntrospector: (db) => dialect.createIntrospector(db),
      createQueryCompiler: () => dialect.createQueryCompiler(),
      createDriver: () => new CountingDriver(dialect.createDriver(), this),
    };
  }

  get count(): number {
    return this.inUse;
  }

  acquired(): void {
    this.inUse++;
    this.lastChange = performance.now();
  }

  released(): void {
    this.inUse--;
    this.lastChange = performance.now();
  }

  /** Resolves once no connection has been in use for `quietMs` in a row. */
  async idle(quietMs: number): Promise<void> {
    for (;;) {
      const quietFor = performance.now() - this.lastChange;
      if (this.inUse === 0 && quietFor >= quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, this.inUse === 0 ? quietMs - quietFor : 10));
    }
  }
}

/** A driver that tells `ConnectionUsage` when a connection is taken and given back. */
class CountingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly usage: ConnectionUsage,
  ) {
    // Savepoints exist only where the inner driver has them (Kysely checks for the methods).
    if (inner.savepoint) this.savepoint = (c, name, compile) => inner.savepoint!(c, name, compile);
    if (inner.rollbackToSavepoint) {
      this.rollbackToSavepoint = (c, name, compile) => inner.rollbackToSavepoint!(c, name, compile);
    }
    if (inner.releaseSavepoint) {
      this.releaseSavepoint = (c, name, compile) => inner.releaseSavepoint!(c, name, compile);
    }
  }

  savepoint?: (c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) => Promise<void>;
  rollbackToSavepoint?: (
    c: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) => Promise<void>;
  releaseSavepoint?: (
    c: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ) => Promise<void>;

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    this.usage.acquired();
    try {
      return await this.inner.acquireConnection();
    } catch (e) {
      this.usage.released();
      throw e;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      this.usage.released();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
