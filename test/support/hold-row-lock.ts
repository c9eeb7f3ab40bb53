import { sql } from 'kysely';
import type { AppDatabase } from '../../src/db/database.js';

/**
 * Starts `hold`, which takes a lock and calls `held`, then keeps it until `released` resolves.
 * Resolves once the lock is held (or `hold` failed): `release` lets it go, `done` settles then.
 */
export async function holdUntilReleased(
  hold: (held: () => void, released: Promise<void>) => Promise<void>,
): Promise<{ release: () => void; done: Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let held!: () => void;
  const isHeld = new Promise<void>((r) => {
    held = r;
  });
  const done = hold(held, released);
  await Promise.race([isHeld, done]);
  return { release, done };
}

/**
 * Another session holds a row (`FOR UPDATE`, a long transaction elsewhere) until `release`:
 * statements that write or lock it wait on the server, alive, for as long as the test wants.
 * Resolves once the lock is held.
 */
export function holdRow(
  holder: AppDatabase,
  table: 'users' | 'products' | 'user_products',
  id: string,
): Promise<{ release: () => void; done: Promise<void> }> {
  return holdUntilReleased((held, released) =>
    holder.db.transaction().execute(async (tx) => {
      await sql`select id from ${sql.table(table)} where id = ${id} for update`.execute(tx);
      held();
      await released;
    }),
  );
}
