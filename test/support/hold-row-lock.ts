import { sql } from 'kysely';
import type { AppDatabase } from '../../src/db/database.js';

/**
 * Another session holds a row (`FOR UPDATE`, a long transaction elsewhere) until `release`:
 * statements that write or lock it wait on the server, alive, for as long as the test wants.
 * Resolves once the lock is held.
 */
export async function holdRow(
  holder: AppDatabase,
  table: 'users' | 'products' | 'user_products',
  id: string,
): Promise<{ release: () => void; done: Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => {
    locked = r;
  });
  const done = holder.db.transaction().execute(async (tx) => {
    await sql`select id from ${sql.table(table)} where id = ${id} for update`.execute(tx);
    locked();
    await released;
  });
  await Promise.race([isLocked, done]);
  return { release, done };
}
