import type { FastifyBaseLogger } from 'fastify';
import type { SharedRedis } from '../../app/shared-redis.js';
import type { AppDatabase } from '../../db/database.js';
import { unreadSince } from '../notifications/notification-events.js';
import { withScanData } from '../notifications/scan-frame-data.js';
import type { SocketHub } from './socket-hub.js';

/**
 * How far before the subscription dropped the catch-up reads: a notification committed just
 * before the drop may be published just after it, and instances' clocks differ a little. What a
 * socket already has is skipped by the hub, so reading further back costs no duplicate.
 */
const MARGIN_MS = 30_000;
/** At most this many notifications per 500 connected users in one catch-up. */
const LIMIT = 1000;

/**
 * Redis pub/sub keeps nothing: while this instance's subscription is down, notifications that
 * other instances (or `expireeye sweep`) publish never reach its sockets, though the sockets stay
 * open. When the subscription is back, the unread notifications of the users connected here,
 * created since it dropped, are delivered — each socket is sent the ones it does not have.
 */
export function catchUpAfterOutages(
  redis: SharedRedis,
  hub: SocketHub,
  database: AppDatabase,
  log: Pick<FastifyBaseLogger, 'error' | 'info'>,
): void {
  let droppedAt: number | undefined;
  redis.onSubscriberDown(() => {
    droppedAt ??= Date.now();
  });
  redis.onSubscriberReady(() => {
    if (droppedAt === undefined) return;
    const since = new Date(droppedAt - MARGIN_MS);
    droppedAt = undefined;
    const users = hub.users();
    if (users.length === 0) return;
    unreadSince(database, users, since, LIMIT)
      .then((rows) => withScanData(database, rows))
      .then(
        (rows) => {
          if (rows.length) log.info({ notifications: rows.length }, 'notification bus back: catching up');
          hub.deliver(rows);
        },
        (e: unknown) => log.error({ err: e }, 'catching up on notifications after a Redis outage failed'),
      );
  });
}
