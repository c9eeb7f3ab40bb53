import { setTimeout as delay } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../ddl/dialect-impl.js';

export class LockTimeoutError extends Error {}

/** How long a run waits for another process's run to finish (GET_LOCK's timeout, SQLite's wait). */
const LOCK_TIMEOUT_SECONDS = 600;

/**
 * A database-level lock held for a whole migration run, so that several processes running
 * `upgrade head` at once apply each revision exactly once: the second waits, then finds the work
 * done. MySQL/MariaDB: GET_LOCK; PostgreSQL: a session advisory lock. SQLite takes its write lock
 * with BEGIN IMMEDIATE instead (`beginSqliteWrite`).
 */
export async function acquireLock(
  db: Kysely<any>,
  dialect: DialectName,
  name: string,
  timeoutSeconds = LOCK_TIMEOUT_SECONDS,
) {
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
    await checkClientConnection(db);
    // pg_advisory_lock waits without end; lock_timeout bounds the wait as GET_LOCK's timeout does
    // (a holder that never finishes, such as a session left idle, must not stall every run).
    const { rows } = await sql<{ v: string }>`SELECT current_setting('lock_timeout') AS v`.execute(db);
    await sql.raw(`SET lock_timeout = '${Math.round(timeoutSeconds * 1000)}ms'`).execute(db);
    try {
      await sql`SELECT pg_advisory_lock(hashtext(${name}))`.execute(db);
    } catch (e) {
      if ((e as { code?: string }).code === '55P03') {
        throw new LockTimeoutError(
          `Timed out after ${timeoutSeconds}s waiting for the migration lock '${name}'`,
        );
      }
      throw e;
    } finally {
      // The revisions run with the session's own setting (their DDL may wait for the app's locks),
      // whether it came from the server, the role or the environment's own SET.
      await sql`SELECT set_config('lock_timeout', ${rows[0]?.v ?? '0'}, false)`
        .execute(db)
        .catch(() => undefined);
    }
  }
}

/**
 * PostgreSQL: when the process is killed, its server process goes on with the statement it was
 * running (a long data migration, a `pg_sleep`) until it next writes to the client, and only then
 * rolls back and frees the advisory lock: a rerun would wait for a dead run's statement. Checking
 * the client's socket every second ends it within a second. PostgreSQL 14+; older servers reject
 * the setting and keep their behaviour.
 */
async function checkClientConnection(db: Kysely<any>): Promise<void> {
  await sql`SET client_connection_check_interval = 1000`.execute(db).catch(() => undefined);
}

export async function releaseLock(db: Kysely<any>, dialect: DialectName, name: string): Promise<void> {
  if (dialect === 'mysql') await sql`SELECT RELEASE_LOCK(${name})`.execute(db);
  else if (dialect === 'postgres') await sql`SELECT pg_advisory_unlock(hashtext(${name}))`.execute(db);
}

/**
 * SQLite: BEGIN IMMEDIATE, the write lock, waiting as long as GET_LOCK does for another process's
 * run to end. The connection's busy timeout (10 s) would fail a run queued behind a longer one
 * ("database is locked"); and SQLite's busy handler waits synchronously, so the process could not
 * react to Ctrl-C meanwhile: it is tried without it, every 50 ms.
 */
export async function beginSqliteWrite(db: Kysely<any>, timeoutSeconds = LOCK_TIMEOUT_SECONDS) {
  const { rows } = await sql<{ timeout: number }>`PRAGMA busy_timeout`.execute(db);
  const deadline = Date.now() + timeoutSeconds * 1000;
  await sql`PRAGMA busy_timeout = 0`.execute(db);
  try {
    for (;;) {
      try {
        await sql`BEGIN IMMEDIATE`.execute(db);
        return;
      } catch (e) {
        // SQLITE_BUSY, or an extended code (SQLITE_BUSY_RECOVERY: another process recovers a crash).
        if (!String((e as { code?: string }).code).startsWith('SQLITE_BUSY')) throw e;
        if (Date.now() > deadline) {
          throw new LockTimeoutError(
            `Timed out after ${timeoutSeconds}s waiting for the database's write lock`,
          );
        }
        await delay(50);
      }
    }
  } finally {
    await sql.raw(`PRAGMA busy_timeout = ${Number(rows[0]?.timeout ?? 0)}`).execute(db);
  }
}
