import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PublishedNotification } from '../notifications/notification-events.js';
import { decodeNotifications, encodeNotifications, type NotificationBus } from './notification-bus.js';

export interface RedisBusOptions {
  url: string;
  channel: string;
  log: Pick<Logger, 'warn' | 'error'>;
  /** false for publishers that have no sockets (`expireeye sweep`). */
  subscribe: boolean;
  /** How long start-up waits for Redis before failing (ms). */
  connectTimeoutMs?: number;
}

/**
 * Many instances: notifications are published on a Redis channel every instance subscribes to,
 * the publisher included, so each delivers to its own sockets and none twice. Redis pub/sub keeps
 * nothing: a message sent while an instance is disconnected is not replayed to it, which is why a
 * socket that (re)connects is sent its unread backlog from the database.
 */
export class RedisBus implements NotificationBus {
  private readonly listeners: ((rows: PublishedNotification[]) => void)[] = [];

  private constructor(
    private readonly options: RedisBusOptions,
    private readonly pub: Redis,
    private readonly sub: Redis | undefined,
  ) {}

  /** Connects (and subscribes); rejects if Redis cannot be reached, so a misconfigured server fails at start. */
  static async connect(options: RedisBusOptions): Promise<RedisBus> {
    const common = {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      // Fail fast instead of queueing while disconnected: the caller then delivers locally.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    };
    const pub = new Redis(options.url, { ...common, connectionName: 'expireeye-pub' });
    const sub = options.subscribe
      ? new Redis(options.url, { ...common, connectionName: 'expireeye-sub' })
      : undefined;
    for (const client of [pub, sub]) {
      // Without a listener ioredis prints every reconnect error to stderr; log them instead (without the URL).
      client?.on('error', (e: Error) =>
        options.log.warn({ err: { message: e.message } }, 'redis connection error'),
      );
    }
    try {
      await Promise.all([pub.connect(), sub?.connect()]);
      const bus = new RedisBus(options, pub, sub);
      if (sub) {
        sub.on('message', (channel: string, message: string) => {
          if (channel === options.channel) bus.deliver(message);
        });
        await sub.subscribe(options.channel);
      }
      return bus;
    } catch (e) {
      pub.disconnect();
      sub?.disconnect();
      throw new Error(`cannot reach Redis (REDIS_URL): ${(e as Error).message.replace(/\.$/, '')}`);
    }
  }

  private deliver(message: string): void {
    let rows: PublishedNotification[];
    try {
      rows = decodeNotifications(message);
    } catch (e) {
      this.options.log.warn({ err: e }, 'ignored a malformed message on the notification channel');
      return;
    }
    if (rows.length === 0) return;
    for (const listener of this.listeners) listener(rows);
  }

  async publish(rows: readonly PublishedNotification[]): Promise<void> {
    if (rows.length === 0) return;
    const messages = encodeNotifications(rows);
    let sent = 0;
    try {
      for (const m of messages) {
        await this.pub.publish(this.options.channel, m);
        sent++;
      }
    } catch (e) {
      // Redis is down: this instance's sockets still get theirs now; others get them as backlog
      // when they reconnect. The notifications themselves are committed either way.
      this.options.log.error(
        { err: e, undelivered: rows.length },
        'publishing notifications to Redis failed',
      );
      const rest = messages.slice(sent).flatMap(decodeNotifications);
      for (const listener of this.listeners) listener(rest);
    }
  }

  onDeliver(listener: (rows: PublishedNotification[]) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.listeners.length = 0;
    await Promise.allSettled([this.pub.quit(), this.sub?.quit()]);
  }
}
