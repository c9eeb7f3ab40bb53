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

/** Why the database cannot serve a request: the 503's message differs (errors plugin). */
export type UnavailableKind = 'timeout' | 'unreachable' | 'unresolved' | 'lost' | 'full' | 'busy';

/** Driver and server codes by what they mean for the request. */
const KINDS: Record<string, UnavailableKind> = {
  // No answer in time: our own bound (bounded-pool), mysql2's handshake.
  ETIMEDOUT: 'timeout',
  PROTOCOL_SEQUENCE_TIMEOUT: 'timeout',
  // Nothing listens there, or the server is going down or starting (PostgreSQL 57P01-3, 08001).
  ECONNREFUSED: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ER_SERVER_SHUTDOWN: 'unreachable',
  '57P01': 'unreachable',
  '57P02': 'unreachable',
  '57P03': 'unreachable',
  '08001': 'unreachable',
  '08004': 'unreachable',
  // The configured host name does not resolve: a wrong setting, or a host that is down (Docker's
  // DNS answers so for a compose service whose container is stopped or restarting).
  ENOTFOUND: 'unresolved',
  // The connection went away while in use.
  ECONNRESET: 'lost',
  EPIPE: 'lost',
  PROTOCOL_CONNECTION_LOST: 'lost',
  // Too many connections.
  ER_CON_COUNT_ERROR: 'full',
  '53300': 'full',
  // SQLite's write lock still held after the busy timeout.
  SQLITE_BUSY: 'busy',
  SQLITE_LOCKED: 'busy',
};

/**
 * The database cannot serve the request right now (unreachable, restarting, out of connections,
 * not answering, or SQLite's write lock still held after the busy timeout): a 503, not a 500.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  return unavailableKind(e) !== undefined;
}

/** Why the database cannot serve (see UnavailableKind); undefined when the error is another. */
export function unavailableKind(e: unknown): UnavailableKind | undefined {
  const { code, errno, message } = info(e);
  if (typeof code === 'string') {
    const kind = KINDS[code];
    if (kind) return kind;
    if (code.startsWith('08')) return 'lost'; // PostgreSQL class 08: connection exception
  }
  if (errno === 1040) return 'full';
  if (errno === 1053) return 'unreachable';
  if (typeof message === 'string') {
    for (const [start, kind] of UNCODED) if (message.startsWith(start)) return kind;
  }
  // An error raised because of the outage, carrying it as its cause (UnavailableWithProgress).
  return e instanceof Error && e.cause !== undefined && e.cause !== e ? unavailableKind(e.cause) : undefined;
}

/**
 * What the drivers say without a code when the connection is gone or cannot be had: node-postgres
 * on a dropped connection, on a query (the ROLLBACK after a failure) on a client whose connection
 * failed, and when its pool gives no connection in time; mysql2 on a query on a connection it has
 * closed. A ROLLBACK's error replaces the one that made Kysely roll back, so these are often what
 * a request that lost its connection midway ends with.
 */
const UNCODED: [string, UnavailableKind][] = [
  ['Connection terminated due to connection timeout', 'timeout'],
  ['Connection terminated', 'lost'],
  ['Client has encountered a connection error and is not queryable', 'lost'],
  ['Client was closed and is not queryable', 'lost'],
  ['timeout exceeded when trying to connect', 'timeout'],
  ["Can't add new command when connection is in closed state", 'lost'],
];
