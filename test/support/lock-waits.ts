import { sql } from 'kysely';
import type { AppDatabase } from '../../src/db/database.js';

/**
 * How many sessions of this database are waiting for a row lock right now (MySQL/PostgreSQL): a
 * test holding a transaction open uses it to know that the statement it races has reached the lock.
 */
export async function lockWaits(database: AppDatabase): Promise<number> {
  if (database.dialect === 'postgres') {
    const { rows } = await sql<{ n: string }>`select count(*) as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`.execute(database.db);
    return Number(rows[0]?.n);
  }
  if (database.dialect === 'mysql') {
    // InnoDB refreshes this table's cache only when it was last read over 0.1 s ago: polled more
    // often than that, it keeps answering the same old snapshot.
    await new Promise((r) => setTimeout(r, 150));
    const { rows } = await sql<{ n: string }>`select count(*) as n from information_schema.innodb_trx t
      join information_schema.processlist p on p.id = t.trx_mysql_thread_id
      where t.trx_state = 'LOCK WAIT' and p.db = database()`.execute(database.db);
    return Number(rows[0]?.n);
  }
  throw new Error('SQLite has no row locks: its writers take turns');
}
