import { type Kysely, sql } from 'kysely';
import { HttpError } from '../../app/http-error.js';
import type { AuthUser } from '../../app/tokens.js';
import type { Database } from '../../models/index.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * A 429 once `user` has added `limit` catalogue products in the last 24 hours. The catalogue is
 * shared: without a cap one account (a script, a stolen token) could fill it with junk names that
 * everyone's searches and name look-ups then meet, 500 to a mass-add request. Counted from the
 * products themselves (`created_by`, `created_at`), so the cap holds across server processes and
 * restarts without Redis; two requests racing at the limit may both pass, which a cap against
 * floods can afford. `Retry-After` is when the oldest product of the window leaves it.
 */
export async function checkDailyQuota(
  tx: Kysely<Database>,
  user: AuthUser,
  limit: number,
  now = new Date(),
): Promise<void> {
  if (!Number.isFinite(limit)) return;
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
