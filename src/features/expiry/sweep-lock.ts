import { type Kysely, sql } from 'kysely';
import type { AppDatabase } from '../../db/database.js';
import type { Database } from '../../models/index.js';

/** Returned instead of a result when another process is sweeping the same database right now. */
export const LOCK_HELD = Symbol('sweep lock held by another process');

/** PostgreSQL advisory locks are per database, so a constant key is enough ("EESW"). */
const PG_LOCK_KEY = 0x45455357;

/**
 * Runs `work` in one transaction, holding the database's sweep lock if it is free; LOCK_HELD if
 * another server or `expireeye sweep` holds it. The lock is an economy, not the guarantee: the
 * unique constraint keeps notifications exactly-once even without it (tests run without it), the
 * lock only spares N instances from all doing the same work and deadlocking each other.
 * SQLite needs none: its writers are serialised by the database file.
 */
export async function inSweepTransaction<T>(
  database: AppDatabase,
  exclusive: boolean,
  work: (tx: Kysely<Database>) => Promise<T>,
): Promise<T | typeof LOCK_HELD> {
  const { db, dialect } = database;
  if (!exclusive || dialect === 'sqlite') return db.transaction().execute(work);
  if (dialect === 'postgres') {
    return db.transaction().execute(async (tx) => {
      const { rows } = await sql<{
        locked: boolean;
      }>`select pg_try_advisory_xact_lock(${sql.lit(PG_LOCK_KEY)}) as locked`.execute(tx);
      return rows[0]?.locked ? work(tx) : LOCK_HELD;
    });
  }
  // MySQL/MariaDB: GET_LOCK is per connection and server-wide (hence the database name in it), and
  // must be released after COMMIT, so the transaction runs on the connection that holds it.
  const name = sql`concat('expireeye_sweep:', database())`;
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: number | null }>`select get_lock(${name}, 0) as locked`.execute(
      conn,
    );
    if (Number(rows[0]?.locked) !== 1) return LOCK_HELD;
    try {
      return await conn.transaction().execute(work);
    } finally {
      await sql`select release_lock(${name})`.execute(conn);
    }
  });
}
