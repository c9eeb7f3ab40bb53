import { type Kysely, sql } from 'kysely';
import type { AppDatabase } from '../../db/database.js';
import type { Database } from '../../models/index.js';

/** Returned instead of a result when another process is sweeping the same database right now. */
export const LOCK_HELD = Symbol('sweep lock held by another process');

/** PostgreSQL advisory locks are per database, so a constant key is enough ("EESW"). */
const PG_LOCK_KEY = 0x45455357;

/**
 * Runs `work` holding the database's sweep lock if it is free; LOCK_HELD if another server or
 * `expireeye sweep` holds it. `work` gets a handle on one connection (the lock's) and runs its
 * chunks as transactions of their own on it: the lock spans the whole sweep, not one chunk. It is
 * a session lock, so a process killed mid-sweep loses it with its connection.
 * The lock is an economy, not the guarantee: the unique constraint keeps notifications exactly-once
 * even without it (tests run without it), the lock only spares N instances from all doing the same
 * work and deadlocking each other. SQLite needs none: its writers are serialised by the database
 * file, and a second process sweeping meanwhile only finds less to do.
 */
export async function withSweepLock<T>(
  database: AppDatabase,
  exclusive: boolean,
  work: (db: Kysely<Database>) => Promise<T>,
): Promise<T | typeof LOCK_HELD> {
  const { db, dialect } = database;
  if (!exclusive || dialect === 'sqlite') return work(db);
  if (dialect === 'postgres') {
    return db.connection().execute(async (conn) => {
      const { rows } = await sql<{
        locked: boolean;
      }>`select pg_try_advisory_lock(${sql.lit(PG_LOCK_KEY)}) as locked`.execute(conn);
      if (!rows[0]?.locked) return LOCK_HELD;
      return releasing(work(conn), () =>
        sql`select pg_advisory_unlock(${sql.lit(PG_LOCK_KEY)})`.execute(conn),
      );
    });
  }
  // MySQL/MariaDB: GET_LOCK is per connection and server-wide (hence the database name in it).
  const name = sql`concat('expireeye_sweep:', database())`;
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: number | null }>`select get_lock(${name}, 0) as locked`.execute(
      conn,
    );
    if (Number(rows[0]?.locked) !== 1) return LOCK_HELD;
    return releasing(work(conn), () => sql`select release_lock(${name})`.execute(conn));
  });
}

/**
 * `work`'s outcome, the lock released after it. When `work` failed, a failure to release does not
 * replace its error: after a statement the bound gave up on, the connection is discarded and the
 * release fails too ("connection has been discarded"), where the error to report is the timeout.
 * The server frees a session's lock when the session ends.
 */
async function releasing<T>(work: Promise<T>, release: () => Promise<unknown>): Promise<T> {
  let result: T;
  try {
    result = await work;
  } catch (e) {
    await release().catch(() => undefined);
    throw e;
  }
  await release();
  return result;
}
