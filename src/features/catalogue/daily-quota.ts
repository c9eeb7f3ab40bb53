import { type Kysely, type RawBuilder, sql } from 'kysely';
import { HttpError } from '../../app/http-error.js';
import type { AuthUser } from '../../app/tokens.js';
import type { Database } from '../../models/index.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * A 429 once `user` has added `limit` catalogue products in the last 24 hours. The catalogue is
 * shared: without a cap one account (a script, a stolen token) could fill it with junk names that
 * everyone's searches and name look-ups then meet, 500 to a mass-add request. Counted from the
 * products themselves (`created_by`, `created_at`), so the cap holds across server processes and
 * restarts without Redis. The user's row is locked first (`lock`: FOR UPDATE; SQLite's writers
 * take turns anyway), so one user's concurrent additions count one after the other: without it,
 * 20 parallel requests against a cap of 5 stored 7–9 products on MariaDB. On MariaDB the count
 * sees what the previous holder committed only if no plain read came before the lock in the
 * transaction (its snapshot is taken by the first one), so the catalogue's routes check the quota
 * first, and `user/add`, which looks the name up before it knows a product is new, takes the lock
 * before that look-up (`lockQuotaHolder`; without it 12 parallel adds of new names against a cap of
 * 3 stored 7). (A locking count was tried: it waited on any of the user's products another
 * transaction held, and timed out add-mass.) A product deleted leaves the count: the cap is on
 * the products added in 24 hours that are still there.
 * `Retry-After` is when the oldest product of the window leaves it.
 */
export async function checkDailyQuota(
  tx: Kysely<Database>,
  user: AuthUser,
  limit: number,
  /** Locks the user's row (`rowLock(…, 'update')`; empty on SQLite). */
  lock?: RawBuilder<unknown>,
  now = new Date(),
): Promise<void> {
  if (!Number.isFinite(limit)) return;
  await lockQuotaHolder(tx, user, limit, lock);
  const since = new Date(now.getTime() - DAY_MS);
  const row = await tx
    .selectFrom('products')
    .select([sql<number | string>`count(*)`.as('n'), (eb) => eb.fn.min('created_at').as('created_at')])
    .where('created_by', '=', user.id)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  if (Number(row.n) < limit) return;
  // Aliased as the column, so that SQLite's text comes back as a Date as the column's would.
  const oldest = row.created_at ? (row.created_at as Date).getTime() : now.getTime();
  const retry = Math.max(1, Math.ceil((oldest + DAY_MS - now.getTime()) / 1000));
  throw new HttpError(
    429,
    `You have added ${limit} products to the catalogue in the last 24 hours, the most allowed. Try again in ${retry} seconds.`,
    { 'retry-after': String(retry) },
  );
}

/**
 * Locks `user`'s row until the transaction ends, when a cap applies: the first statement of a
 * transaction that may add a product after plain reads (see checkDailyQuota). Taken again by the
 * count, which costs a query and waits for nothing (the row is already this transaction's).
 */
export async function lockQuotaHolder(
  tx: Kysely<Database>,
  user: AuthUser,
  limit: number | undefined,
  lock: RawBuilder<unknown> | undefined,
): Promise<void> {
  if (limit === undefined || !Number.isFinite(limit) || !lock) return;
  await tx.selectFrom('users').select('id').where('id', '=', user.id).modifyEnd(lock).execute();
}
