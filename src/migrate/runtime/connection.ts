import fs from 'node:fs';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import {
  CompiledQuery,
  type Dialect,
  Kysely,
  MysqlDialect,
  PostgresDialect,
  type PostgresDialectConfig,
  SqliteDialect,
} from 'kysely';
import { boundedMysqlPool, boundedPgPool, type PoolTimeouts } from './bounded-pool.js';
import type { DatabaseTls, DatabaseUrl } from './database-url.js';
import { bindingDatabase } from './sqlite-bindings.js';

export interface ConnectOptions {
  /** Pool size for server databases. */
  poolSize?: number;
  /**
   * Told when an idle pooled connection dies (the server restarted, an administrator ended it).
   * The pool drops that connection and opens another when needed; without a listener node-postgres
   * would raise the error as an uncaught exception and end the process (mysql2 drops it silently).
   */
  onIdleConnectionError?: (error: Error) => void;
  /**
   * MySQL: let one request carry several statements. The migration engine's own connection sends
   * each revision as one such request (batched-sink.ts); the application's pool never does.
   */
  multipleStatements?: boolean;
  /** Wraps the dialect before Kysely gets it (the application counts connections in use). */
  wrapDialect?: (dialect: Dialect) => Dialect;
  /**
   * MySQL/PostgreSQL: bound connecting, waiting for a pooled connection and each statement, so a
   * database that stops answering fails requests instead of holding them (bounded-pool.ts). The
   * application's pool has them; the migration engine's connection never does (long DDL is fine).
   */
  timeouts?: PoolTimeouts;
}

/**
 * Creates a missing SQLite database file readable by its owner only (0600): it holds password
 * hashes, and SQLite gives its -wal and -shm files the database file's mode. (better-sqlite3 would
 * create it 0644.) An empty file is a new database to SQLite. A file that exists keeps its mode.
 */
function createPrivateFile(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch {
    // It exists (perhaps made by another process just now) and keeps its mode; anything else
    // (a read-only folder, a directory of that name) SQLite reports in its own words next.
  }
}

/**
 * The URL's `sslmode` as each driver takes it: `none` encrypts without checking the certificate;
 * `ca` checks it is signed by a trusted CA (`sslrootcert`, else Node's) but not the name in it;
 * `full` checks both. node-postgres hands its options to `tls.connect`; mysql2 has its own switch
 * for the name check (`verifyIdentity`).
 */
function pgTls(tls: DatabaseTls): ConnectionOptions {
  const ca = tls.caFile ? { ca: fs.readFileSync(tls.caFile) } : {};
  if (tls.verify === 'none') return { rejectUnauthorized: false };
  if (tls.verify === 'ca') return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...ca, rejectUnauthorized: true };
}

function mysqlTls(tls: DatabaseTls): { ca?: Buffer; rejectUnauthorized: boolean; verifyIdentity: boolean } {
  return {
    ...(tls.caFile ? { ca: fs.readFileSync(tls.caFile) } : {}),
    rejectUnauthorized: tls.verify !== 'none',
    verifyIdentity: tls.verify === 'full',
  };
}

/**
 * mysql2 checks the server's name only for a host name: for an IP address it gives TLS no
 * servername, and Node then checks the certificate against "localhost" (its fallback when the
 * socket has no `_host`, which `net.connect` sets only after a DNS look-up), so `VERIFY_IDENTITY`
 * to `127.0.0.1` refused a certificate made for 127.0.0.1. For an IP address with the name
 * checked, the socket is made here (as mysql2 makes it: no Nagle delay, keep-alive when asked) and
 * told the address it was opened to, so that the certificate's IP addresses are what is checked.
 */
async function mysqlIpIdentityStream(
  host: string,
  port: number,
  keepAlive: boolean,
): Promise<(() => import('node:net').Socket) | undefined> {
  const net = await import('node:net');
  if (!net.isIP(host)) return undefined;
  return () => {
    const socket = net.connect(port, host);
    socket.setNoDelay(true);
    if (keepAlive) socket.on('connect', () => socket.setKeepAlive(true));
    (socket as { _host?: string | null })._host = host;
    return socket;
  };
}

/**
 * A Kysely instance for a database URL, with driver settings that make values the same on every
 * dialect: timestamps in UTC, DATE as 'YYYY-MM-DD' strings, DECIMAL and BIGINT as numbers.
 * Drivers are imported lazily so a command pays only for the one it uses.
 */
export async function connect(db: DatabaseUrl, options: ConnectOptions = {}): Promise<Kysely<any>> {
  const wrap = options.wrapDialect ?? ((d: Dialect) => d);
  switch (db.dialect) {
    case 'sqlite': {
      const { default: Database } = await import('better-sqlite3');
      if (db.file !== ':memory:') {
        const folder = path.dirname(db.file!);
        if (db.createFolder) fs.mkdirSync(folder, { recursive: true });
        else if (!fs.existsSync(folder)) {
          // better-sqlite3 says only "the directory does not exist", as a TypeError: which one, with a code.
          throw Object.assign(
            new Error(`unable to open database file ${db.file}: folder ${folder} does not exist`),
            {
              code: 'ENOENT',
            },
          );
        }
        createPrivateFile(db.file!);
      }
      const sqlite = new Database(db.file!);
      // The busy timeout first: several processes opening a new file at once (containers starting
      // together) all switch it to WAL, and without it the losers fail at once with SQLITE_BUSY.
      sqlite.pragma('busy_timeout = 10000');
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('foreign_keys = ON');
      return new Kysely<any>({ dialect: wrap(new SqliteDialect({ database: bindingDatabase(sqlite) })) });
    }
    case 'mysql': {
      // The default export (module.exports) works both under Node and in the esbuild bundle.
      const { default: mysql } = await import('mysql2');
      const timeouts = options.timeouts;
      const stream =
        db.tls?.verify === 'full' && !db.socket
          ? await mysqlIpIdentityStream(db.host!, db.port!, Boolean(timeouts?.acquireMs))
          : undefined;
      const server = {
        host: db.host!,
        port: db.port!,
        user: db.user!,
        password: db.password ?? '',
        ...(db.socket ? { socketPath: db.socket } : {}),
        ...(db.tls ? { ssl: mysqlTls(db.tls) } : {}),
        ...(stream ? { stream } : {}),
      };
      const pool = mysql.createPool({
        ...(timeouts?.acquireMs ? { connectTimeout: timeouts.acquireMs, enableKeepAlive: true } : {}),
        ...server,
        database: db.database!,
        connectionLimit: options.poolSize ?? 10,
        timezone: 'Z',
        dateStrings: ['DATE'],
        decimalNumbers: true,
        supportBigNumbers: true,
        bigNumberStrings: false,
        charset: 'utf8mb4',
        multipleStatements: options.multipleStatements ?? false,
      });
      // A pooled connection that dies emits 'error' whether or not it was in use (mysql2 drops it
      // from the pool either way); one in use also fails its query, which the caller reports. Those
      // in the free list (between 'release' and 'acquire') are the idle ones to tell about.
      const idle = new Set<object>();
      pool.on('release', (conn) => idle.add(conn));
      pool.on('acquire', (conn) => idle.delete(conn));
      pool.on('connection', (conn) => {
        conn.query("SET time_zone = '+00:00'");
        conn.on('error', (e) => {
          if (idle.delete(conn)) options.onIdleConnectionError?.(e);
        });
      });
      const terminate = async (threadId: number) => {
        const side = mysql.createConnection({ ...server, connectTimeout: sessionEndMs(timeouts) });
        side.on('error', () => undefined);
        await endSession(
          new Promise<void>((resolve, reject) =>
            side.query('KILL ?', [threadId], (e) => (e ? reject(e) : resolve())),
          ),
          sessionEndMs(timeouts),
        );
        side.destroy();
      };
      return new Kysely<any>({
        dialect: wrap(
          new MysqlDialect({ pool: timeouts ? boundedMysqlPool(pool, { ...timeouts, terminate }) : pool }),
        ),
      });
    }
    case 'postgres': {
      const { default: pg } = await import('pg');
      const parsers: Record<number, (v: string) => unknown> = {
        1082: (v) => v, // date → 'YYYY-MM-DD'
        1700: (v) => Number(v), // numeric
        20: (v) => Number(v), // int8
      };
      const timeouts = options.timeouts;
      const server = {
        // libpq's reading of a socket: the folder given as the host.
        host: db.socket ?? db.host!,
        port: db.port!,
        user: db.user!,
        password: db.password || undefined,
        database: db.database!,
        ssl: db.tls ? pgTls(db.tls) : false,
      };
      const pool = new pg.Pool({
        ...(timeouts?.acquireMs ? { connectionTimeoutMillis: timeouts.acquireMs, keepAlive: true } : {}),
        ...server,
        max: options.poolSize ?? 10,
        types: {
          getTypeParser: ((oid: number, format?: string) =>
            parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
        },
      });
      pool.on('error', (e) => options.onIdleConnectionError?.(e));
      // A connection lost while in use (the server restarted, pg_terminate_backend) fails the query
      // it was running, which the caller reports; node-postgres also emits 'error' on the client,
      // which unheard would crash the process with a stack trace instead.
      pool.on('connect', (client) => {
        client.on('error', () => undefined);
      });
      // node-postgres parses dates and timestamps in the ISO output style only: a database, role or
      // server set to another DateStyle ('SQL, DMY', 'German') would give '31/12/1999' and null.
      // The time zone can stay the session's: timestamptz values are read and written with their offset.
      const onCreateConnection: PostgresDialectConfig['onCreateConnection'] = async (conn) => {
        await conn.executeQuery(CompiledQuery.raw("SET DateStyle = 'ISO'"));
      };
      const terminate = async (pid: number) => {
        const side = new pg.Client({ ...server, connectionTimeoutMillis: sessionEndMs(timeouts) });
        side.on('error', () => undefined);
        await endSession(
          side.connect().then(() => side.query('select pg_terminate_backend($1)', [pid])),
          sessionEndMs(timeouts),
        );
        void side.end().catch(() => undefined);
      };
      return new Kysely<any>({
        dialect: wrap(
          new PostgresDialect({
            pool: timeouts
              ? (boundedPgPool(pool, { ...timeouts, terminate }) as unknown as typeof pool)
              : pool,
            onCreateConnection,
          }),
        ),
      });
    }
  }
}

/**
 * How long ending an abandoned session may hold up its caller's error: a server that is alive
 * answers in milliseconds; one that cannot be reached (a partition) would make a caller that
 * already waited its bound wait as long again.
 */
function sessionEndMs(timeouts: { acquireMs?: number | undefined } | undefined): number {
  return Math.min(timeouts?.acquireMs ?? 5000, 5000);
}

/**
 * Waits, at most `ms`, for the statement that ends an abandoned session; its failure (the server
 * unreachable, the session gone already) is nobody's concern: the caller has its error already.
 */
async function endSession(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
