import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  MysqlDialect,
  MysqlDriver,
  type QueryResult,
} from 'kysely';

const noPool = { pool: async () => Promise.reject(new Error('op.db runs on the migration connection')) };

/**
 * Kysely's MySQL driver (its transaction and savepoint statements) over one connection that
 * calls `before` ahead of every query.
 */
class FlushingDriver extends MysqlDriver implements Driver {
  private readonly connection: DatabaseConnection;

  constructor(conn: Kysely<any>, before: () => Promise<void>) {
    super(noPool);
    this.connection = {
      async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
        await before();
        return conn.executeQuery<R>(query);
      },
      // One chunk holding every row: Kysely's `stream()` yields them one by one all the same.
      async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
        await before();
        yield await conn.executeQuery<R>(query);
      },
    };
  }

  override async init(): Promise<void> {}
  override async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }
  override async releaseConnection(): Promise<void> {}
  override async destroy(): Promise<void> {}
}

class FlushingDialect extends MysqlDialect {
  constructor(private readonly driver: Driver) {
    super(noPool);
  }

  override createDriver(): Driver {
    return this.driver;
  }
}

/**
 * `op.db` for a batched MySQL revision (batched-sink.ts): the migration connection, except that a
 * query run through it first sends the statements the revision has queued and waits for the
 * revision before it — so it reads and writes after them, as it would without batching.
 * Building a query and handing it to `op.execute` runs nothing here.
 */
export function flushingDb(conn: Kysely<any>, before: () => Promise<void>): Kysely<any> {
  return new Kysely<any>({ dialect: new FlushingDialect(new FlushingDriver(conn, before)) });
}
