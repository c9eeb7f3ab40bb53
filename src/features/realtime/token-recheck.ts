import type { FastifyBaseLogger } from 'fastify';
import type { AppDatabase } from '../../db/database.js';
import type { SocketHub } from './socket-hub.js';

/** Users per query. */
const CHUNK = 500;

/**
 * Every period, the token versions of all users with a socket open here are read again (one
 * query per 500 users), and sockets opened with a revoked token are closed. A revocation is
 * broadcast at once (revoked-sockets.ts), but a broadcast can be lost for good: the instance that
 * changed the password could not reach Redis and was stopped before it could publish again. Its
 * sockets elsewhere would then have lived on for the token's whole lifetime (days), receiving the
 * account's notifications; now for at most one period. Returns the stop.
 */
export function recheckTokenVersions(
  database: AppDatabase,
  hub: SocketHub,
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
  periodMs: number,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void recheck(database, hub, log).finally(() => {
      running = false;
    });
  }, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** One pass over the users with sockets open here; how many sockets it closed. */
export async function recheck(
  database: AppDatabase,
  hub: SocketHub,
  log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
): Promise<number> {
  const users = hub.users();
  let closed = 0;
  for (let i = 0; i < users.length; i += CHUNK) {
    const ids = users.slice(i, i + CHUNK);
    let rows: { id: string; token_version: number }[];
    try {
      rows = await database.db
        .selectFrom('users')
        .select(['id', 'token_version'])
        .where('id', 'in', ids)
        .execute();
    } catch (e) {
      log.warn({ err: e }, 'rechecking open sockets against token revocations failed; next period');
      return closed;
    }
    const versions = new Map(rows.map((r) => [r.id, r.token_version]));
    // A user with no row was deleted: `undefined` closes all of their sockets.
    for (const id of ids) closed += hub.endRevoked(id, versions.get(id));
  }
  if (closed > 0) log.info({ closed }, 'notification sockets closed: access token revoked (periodic check)');
  return closed;
}
