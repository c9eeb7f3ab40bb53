import type { Logger } from 'pino';
import type { ReviseUnsent, SharedRedis } from '../../app/shared-redis.js';
import type { PublishedNotification } from '../notifications/notification-events.js';
import { decodeNotifications, encodeNotifications, type NotificationBus } from './notification-bus.js';

/**
 * Many instances: notifications are published on a Redis channel every instance subscribes to,
 * the publisher included, so each delivers to its own sockets and none twice. Redis pub/sub keeps
 * nothing: a message sent while an instance is disconnected is not replayed to it, which is why a
 * socket that (re)connects is sent its unread backlog from the database. The connections are the
 * process's SharedRedis (its owner closes them).
 */
/**
 * Of the notifications `ids`, those still unread (deleted ones are not): asked before a publish that
 * Redis did not take goes out at last.
 */
export type StillUnread = (ids: readonly string[]) => Promise<ReadonlySet<string>>;

export class RedisBus implements NotificationBus {
  private readonly listeners: ((rows: PublishedNotification[]) => void)[] = [];
  private readonly revise: ReviseUnsent | undefined;

  private constructor(
    private readonly redis: SharedRedis,
    private readonly channel: string,
    private readonly log: Pick<Logger, 'warn' | 'error'>,
    stillUnread: StillUnread | undefined,
  ) {
    // A publish kept during an outage may go out minutes later: the notifications read (or
    // deleted) by then are left out, or other instances' sockets would show them as new.
    this.revise =
      stillUnread &&
      (async (message) => {
        const rows = decodeNotifications(message);
        const unread = await stillUnread(rows.map((r) => r.id));
        const left = rows.filter((r) => unread.has(r.id));
        if (left.length === rows.length) return message;
        return left.length ? encodeNotifications(left)[0] : undefined;
      });
  }

  /**
   * A bus on `channel`; `subscribe` false for publishers that have no sockets (`expireeye sweep`).
   * `stillUnread`: see StillUnread (without it, a kept publish goes out as it was).
   */
  static async over(
    redis: SharedRedis,
    channel: string,
    log: Pick<Logger, 'warn' | 'error'>,
    subscribe: boolean,
    stillUnread?: StillUnread,
  ): Promise<RedisBus> {
    const bus = new RedisBus(redis, channel, log, stillUnread);
    if (subscribe) await redis.subscribe(channel, (message) => bus.deliver(message));
    return bus;
  }

  private deliver(message: string): void {
    let rows: PublishedNotification[];
    try {
      rows = decodeNotifications(message);
    } catch (e) {
      this.log.warn({ err: e }, 'ignored a malformed message on the notification channel');
      return;
    }
    if (rows.length === 0) return;
    for (const listener of this.listeners) listener(rows);
  }

  async publish(rows: readonly PublishedNotification[]): Promise<void> {
    if (rows.length === 0) return;
    const messages = encodeNotifications(rows);
    // All at once (one connection keeps their order), so that a Redis that stopped answering
    // costs one command timeout, not one each. One that fails is kept by SharedRedis and sent
    // when Redis is back.
    const results = await Promise.allSettled(
      messages.map((m) => this.redis.publish(this.channel, m, this.revise)),
    );
    const failed = messages.filter((_, i) => results[i]!.status === 'rejected');
    const error = results.find((r) => r.status === 'rejected')?.reason;
    if (failed.length === 0) return;
    // Redis is down: this instance's sockets get these now; the other instances' when the message
    // is sent again, or as backlog when a socket reconnects. The notifications themselves are
    // committed either way.
    const rest = failed.flatMap(decodeNotifications);
    this.log.error(
      { err: error, undelivered: rest.length },
      'publishing notifications to Redis failed; sending them again when it is back',
    );
    for (const listener of this.listeners) listener(rest);
  }

  onDeliver(listener: (rows: PublishedNotification[]) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.listeners.length = 0;
  }
}
