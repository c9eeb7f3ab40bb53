import { type RawBuilder, sql } from 'kysely';
import type { AppDatabase } from './database.js';

/**
 * The locking clause for a SELECT inside a transaction: `update` takes the rows for writing,
 * `share` keeps others from writing them until commit (and, on MariaDB, reads the latest committed
 * version rather than the transaction's snapshot). SQLite needs none: its writers take turns.
 */
export function rowLock(database: AppDatabase, mode: 'update' | 'share'): RawBuilder<unknown> {
  if (database.dialect === 'sqlite') return sql``;
  if (mode === 'update') return sql`for update`;
  return database.dialect === 'mysql' ? sql`lock in share mode` : sql`for share`;
}
