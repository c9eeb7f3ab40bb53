import type { FastifyBaseLogger } from 'fastify';
import type { TokenVersions } from '../../app/token-versions.js';
import type { SocketHub } from './socket-hub.js';

/**
 * Ends live sessions with their tokens: when a user's tokens are revoked (a password change, the
 * account deleted) in any process, this process closes that user's sockets opened with an old
 * token (1008 "Access token revoked"); the client reconnects with its new token, if it has one.
 * After a Redis subscriber outage, when a revocation may have been missed, every user with an
 * open socket here is checked, one after the other (a primary-key read each, once per outage).
 */
export function closeRevokedSockets(versions: TokenVersions, hub: SocketHub, log: FastifyBaseLogger): void {
  const check = async (userId: string) => {
    if (hub.count(userId) === 0) return;
    try {
      const closed = hub.endRevoked(userId, await versions.current(userId));
      if (closed > 0) log.info({ userId, closed }, 'notification sockets closed: access token revoked');
    } catch (e) {
      // The database is unreachable: the sockets stay until the next revocation or outage.
      log.warn({ err: e, userId }, 'checking open sockets against a token revocation failed');
    }
  };
  versions.onRevoked((userId) => {
    void (async () => {
      for (const u of userId === undefined ? hub.users() : [userId]) await check(u);
    })();
  });
}
