/** Driver errors for constraint violations, recognised the same way on every dialect. */

interface DriverError {
  code?: string | number;
  errno?: number;
  message?: string;
}

function info(e: unknown): DriverError {
  return typeof e === 'object' && e !== null ? (e as DriverError) : {};
}

/** A UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(e: unknown): boolean {
  const { code, errno } = info(e);
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505' ||
    errno === 1062 ||
    code === 'ER_DUP_ENTRY'
  );
}

/** A FOREIGN KEY violation: the parent row is missing, or a child row still references it. */
export function isForeignKeyViolation(e: unknown): boolean {
  const { code, errno } = info(e);
  return (
    code === 'SQLITE_CONSTRAINT_FOREIGNKEY' ||
    code === '23503' ||
    errno === 1451 ||
    errno === 1452 ||
    code === 'ER_ROW_IS_REFERENCED_2' ||
    code === 'ER_NO_REFERENCED_ROW_2'
  );
}

/** A deadlock or serialisation failure: the transaction was rolled back and can simply run again. */
export function isTransient(e: unknown): boolean {
  const { code, errno } = info(e);
  return (
    code === '40P01' ||
    code === '40001' ||
    errno === 1213 ||
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'SQLITE_BUSY' ||
    // A deferred transaction that read, then wrote after another connection (another process)
    // committed: its snapshot is stale, and waiting cannot help, so it fails at once. Run again,
    // it reads the new state.
    code === 'SQLITE_BUSY_SNAPSHOT'
  );
}

/** Socket-level failures reaching the database server. */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
/** MySQL/MariaDB: connection lost, too many connections, server shutting down. */
const MYSQL = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
]);
/** PostgreSQL SQLSTATEs: too many connections, shutdown, cannot connect now. */
const POSTGRES = new Set(['53300', '57P01', '57P02', '57P03']);

/**
 * The database cannot serve the request right now (unreachable, restarting, out of connections,
 * or SQLite's write lock still held after the busy timeout): a 503 to retry, not a 500.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  const { code, errno, message } = info(e);
  if (typeof code === 'string') {
    if (NETWORK.has(code) || MYSQL.has(code) || POSTGRES.has(code)) return true;
    if (code.startsWith('08')) return true; // PostgreSQL class 08: connection exception
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return true;
  }
  if (errno === 1040 || errno === 1053) return true;
  if (typeof message === 'string' && UNCODED.some((m) => message.startsWith(m))) return true;
  // An error raised because of the outage, carrying it as its cause (UnavailableWithProgress).
  return e instanceof Error && e.cause !== undefined && e.cause !== e && isDatabaseUnavailable(e.cause);
}

/**
 * What the drivers say without a code when the connection is gone or cannot be had: node-postgres
 * on a dropped connection, on a query (the ROLLBACK after a failure) on a client whose connection
 * failed, and when its pool gives no connection in time; mysql2 on a query on a connection it has
 * closed. A ROLLBACK's error replaces the one that made Kysely roll back, so these are often what
 * a request that lost its connection midway ends with.
 */
const UNCODED = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
  "Can't add new command when connection is in closed state",
];
