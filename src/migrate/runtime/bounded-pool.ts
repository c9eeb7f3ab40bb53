/**
 * Time bounds for a pool's connections, for a server that must answer while its database does
 * not (a network partition, a hung server: the TCP connection stays open and nothing comes back).
 * Each statement gets `statementMs()` to answer; one that does not is failed with an ETIMEDOUT
 * error and its connection destroyed — never handed out again, since the answer may still arrive
 * on it — and every later statement of its checkout (a ROLLBACK) fails the same way at once.
 * MySQL's pool has no bound on waiting for a free connection: `acquireMs` gives it one
 * (PostgreSQL's pool has its own, `connectionTimeoutMillis`).
 */
export interface PoolTimeouts {
  /**
   * Connecting, and (unless `waitMs` says less) waiting for a free pooled connection; undefined:
   * no bound (only statements are bounded, and only when `statementMs` says so).
   */
  acquireMs?: number | undefined;
  /**
   * How long the checkout about to begin may wait for a connection (undefined: no bound of its
   * own), at most `acquireMs`; asked per checkout. A caller with one deadline for all its work gives what is left of it, so that
   * a wait for a connection and the statements after it do not each get a whole bound.
   */
  waitMs?: () => number | undefined;
  /** How long the statement about to run may take; undefined: no bound. Asked per statement. */
  statementMs: () => number | undefined;
  /**
   * The bound in force for the wait or statement about to begin, as its timeout error names it:
   * the setting it comes from (`DB_TIMEOUT_SECONDS (30 s)`), which is what an operator can change
   * — not the milliseconds that were left of a deadline. Undefined (or absent): the error gives
   * the milliseconds it had.
   */
  boundName?: () => string | undefined;
  /**
   * Ends, on the server, the session of a connection given up on (its backend pid, or MySQL
   * thread id), from a connection of its own. Closing the socket is not enough: a server that is
   * alive but slow (a lock wait) goes on with the statement until it next writes to the client —
   * a write the caller was told failed would still be applied, and every abandoned session would
   * hold its locks and a connection slot while the pool opens replacements. Ending the session
   * rolls its work back. Failing (the server is unreachable: a partition) changes nothing.
   */
  terminate?: (sessionId: number) => Promise<void>;
}

/**
 * The error of a database that did not answer in time: code ETIMEDOUT, a 503 for the API. It
 * names `bound` (the setting that bounded it) when there is one, else the `ms` it had.
 */
export function timeoutError(what: string, ms: number, bound?: string): Error {
  return Object.assign(new Error(`${what} within ${bound ?? `${ms} ms`}`), { code: 'ETIMEDOUT' });
}

/**
 * Settles with `work`, or fails with what `onTimeout()` gives once `ms` have passed first (after
 * it settles, when it gives a promise: the session's end is awaited before the caller hears).
 */
function bounded<T>(
  work: Promise<T>,
  ms: number | undefined,
  onTimeout: () => Error | Promise<Error>,
): Promise<T> {
  if (!ms) return work;
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      void Promise.resolve(onTimeout()).then(reject);
    }, ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        if (!done) resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        if (!done) reject(e);
      },
    );
  });
}

/** How long the checkout about to begin may wait for a connection. */
function waitBound(timeouts: PoolTimeouts): number | undefined {
  const own = timeouts.waitMs?.();
  if (own === undefined) return timeouts.acquireMs;
  return timeouts.acquireMs === undefined ? own : Math.min(own, timeouts.acquireMs);
}

// --- node-postgres --------------------------------------------------------------------------

interface PgRawClient {
  query(sql: string, parameters: unknown[]): Promise<any>;
  release(destroy?: boolean | Error): void;
}
interface PgRawPool {
  connect(): Promise<PgRawClient>;
  end(): Promise<void>;
}

/** One pooled pg client as Kysely sees it; the same wrapper for every checkout of the client. */
class BoundedPgClient {
  broken?: Error;
  released = false;
  constructor(
    private readonly raw: PgRawClient,
    private readonly timeouts: PoolTimeouts,
  ) {}

  query(sql: string, parameters: unknown[]): Promise<any> {
    if (this.broken) return Promise.reject(this.broken);
    const ms = this.timeouts.statementMs();
    const bound = ms ? this.timeouts.boundName?.() : undefined;
    const work = this.raw.query(sql, parameters);
    return bounded(work, ms, async () => {
      work.catch(() => undefined); // ended below: its own error is of no interest
      const broken = timeoutError('The database did not answer', ms!, bound);
      this.broken = broken;
      const pid = (this.raw as { processID?: number | null }).processID;
      this.release(broken);
      // Ended on the server before the caller hears: its answer (a 503) must not be followed by
      // the write it gave up on.
      if (pid) await this.timeouts.terminate?.(pid);
      return broken;
    });
  }

  release(destroy?: boolean | Error): void {
    if (this.released) return;
    this.released = true;
    this.raw.release(destroy);
  }
}

export function boundedPgPool(raw: PgRawPool, timeouts: PoolTimeouts) {
  const wrappers = new WeakMap<PgRawClient, BoundedPgClient>();
  return {
    async connect(): Promise<BoundedPgClient> {
      // The pool's own bound (connectionTimeoutMillis) is `acquireMs`; a shorter wait is timed here.
      const ms = waitBound(timeouts);
      const bound = ms !== undefined ? timeouts.boundName?.() : undefined;
      const connecting = raw.connect();
      const client =
        ms !== undefined && ms !== timeouts.acquireMs
          ? await bounded(connecting, ms, () => {
              // Too late for its caller: back to the pool for the next one.
              connecting.then(
                (late) => late.release(),
                () => undefined,
              );
              return timeoutError('No database connection', ms, bound);
            })
          : await connecting;
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = new BoundedPgClient(client, timeouts);
        wrappers.set(client, wrapper);
      }
      wrapper.released = false;
      return wrapper;
    },
    end: () => raw.end(),
  };
}

// --- mysql2 -----------------------------------------------------------------------------------

type Callback = (error: unknown, result?: any) => void;
interface MysqlRawConnection {
  query(options: { sql: string }, parameters: unknown[], callback?: Callback): any;
  release(): void;
  destroy(): void;
}
interface MysqlRawPool {
  getConnection(callback: (error: unknown, connection: MysqlRawConnection) => void): void;
  end(callback: (error: unknown) => void): void;
}

class BoundedMysqlConnection {
  broken?: Error;
  released = false;
  constructor(
    private readonly raw: MysqlRawConnection,
    private readonly timeouts: PoolTimeouts,
  ) {}

  query(sql: string, parameters: unknown[], callback?: Callback): any {
    // Kysely streams without a callback: passed through unbounded.
    if (!callback) return this.raw.query({ sql }, parameters);
    if (this.broken) {
      const broken = this.broken;
      queueMicrotask(() => callback(broken));
      return;
    }
    const ms = this.timeouts.statementMs();
    const bound = ms ? this.timeouts.boundName?.() : undefined;
    const work = new Promise((resolve, reject) => {
      this.raw.query({ sql }, parameters, (e, result) => (e ? reject(e) : resolve(result)));
    });
    bounded(work, ms, async () => {
      work.catch(() => undefined);
      const broken = timeoutError('The database did not answer', ms!, bound);
      this.broken = broken;
      this.released = true;
      const threadId = (this.raw as { threadId?: number | null }).threadId;
      this.raw.destroy();
      if (threadId) await this.timeouts.terminate?.(threadId);
      return broken;
    }).then(
      (result) => callback(null, result),
      (e) => callback(e),
    );
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.raw.release();
  }
}

export function boundedMysqlPool(raw: MysqlRawPool, timeouts: PoolTimeouts) {
  const wrappers = new WeakMap<MysqlRawConnection, BoundedMysqlConnection>();
  return {
    getConnection(callback: (error: unknown, connection: BoundedMysqlConnection) => void): void {
      let timedOut = false;
      const ms = waitBound(timeouts);
      const bound = ms !== undefined ? timeouts.boundName?.() : undefined;
      const timer =
        ms === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              callback(timeoutError('No database connection', ms, bound), undefined as never);
            }, ms);
      raw.getConnection((error, connection) => {
        clearTimeout(timer);
        if (timedOut) {
          // Too late for its caller: back to the pool for the next one.
          if (!error) connection.release();
          return;
        }
        if (error) return callback(error, undefined as never);
        let wrapper = wrappers.get(connection);
        if (!wrapper) {
          wrapper = new BoundedMysqlConnection(connection, timeouts);
          wrappers.set(connection, wrapper);
        }
        wrapper.released = false;
        callback(null, wrapper);
      });
    },
    end: (callback: (error: unknown) => void) => raw.end(callback),
  };
}
