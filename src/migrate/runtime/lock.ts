import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../ddl/dialect-impl.js';

export class LockTimeoutError extends Error {}

/**
 * A database-level lock held for a whole migration run, so that several processes running
 * `upgrade head` at once apply each revision exactly once: the second waits, then finds the work
 * done. MySQL/MariaDB: GET_LOCK; PostgreSQL: a session advisory lock. SQLite takes its write lock
 * with BEGIN IMMEDIATE in the runner instead.
 */
export async function acquireLock(db: Kysely<any>, dialect: DialectName, name: string, timeoutSeconds = 600) {
  if (dialect === 'mysql') {
    const r = await sql<{ got: number | null }>`SELECT GET_LOCK(${name}, ${timeoutSeconds}) AS got`.execute(
      db,
    );
    if (Number(r.rows[0]?.got) !== 1) {
      throw new LockTimeoutError(
        `Timed out after ${timeoutSeconds}s waiting for the migration lock '${name}'`,
      );
    }
  } else if (dialect === 'postgres') {
    await sql`SELECT pg_advisory_lock(hashtext(${name}))`.execute(db);
  }
}

export async function releaseLock(db: Kysely<any>, dialect: DialectName, name: string): Promise<void> {
  if (dialect === 'mysql') await sql`SELECT RELEASE_LOCK(${name})`.execute(db);
  else if (dialect === 'postgres') await sql`SELECT pg_advisory_unlock(hashtext(${name}))`.execute(db);
}
