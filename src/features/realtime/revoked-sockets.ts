import type { FastifyBaseLogger } from 'fastify';
import type { TokenVersions } from '../../app/token-versions.js';
import type { AppDatabase } from '../../db/database.js';
import type { SocketHub } from './socket-hub.js';
import { recheck } from './token-recheck.js';

/**
 * Ends live sessions with their tokens: when a user's tokens are revoked (a password change, the
 * account deleted) in any process, this process closes that user's sockets opened with an old
 * token (1008 "Access token revoked"); the client reconnects with its new token, if it has one.
 * After a Redis subscriber outage, when a revocation may have been missed, every user with an
 * open socket here is checked, as the periodic check does (token-recheck.ts: one query per 500).
 */
export function closeRevokedSockets(
  versions: TokenVersions,
  hub: SocketHub,
  database: AppDatabase,
  log: FastifyBaseLogger,
): void {
  const check = async (userId: string) => {
    if (hub.count(userId) === 0) return;
    try {
      const closed = hub.endRevoked(userId, await versions.current(userId));
      if (closed > 0) log.info({ userId, closed }, 'notification sockets closed: access token revoked');
    } catch (e) {
      // The database is unreachable: the sockets stay until the next check (token-recheck.ts).
      log.warn({ err: e, userId }, 'checking open sockets against a token revocation failed');
    }
  };
  versions.onRevoked((userId) => {
    void (userId === undefined ? recheck(database, hub, log) : check(userId));
  });
}
