import type { Logger } from 'pino';
import type { SharedRedis } from '../../app/shared-redis.js';
import { LocalBus } from './local-bus.js';
import type { NotificationBus } from './notification-bus.js';
import { RedisBus, type StillUnread } from './redis-bus.js';

/** Redis pub/sub on `channel` when the process shares a Redis (REDIS_URL), else in-process delivery. */
export async function createNotificationBus(
  redis: SharedRedis | undefined,
  channel: string,
  log: Pick<Logger, 'warn' | 'error'>,
  subscribe = true,
  stillUnread?: StillUnread,
): Promise<NotificationBus> {
  if (!redis) return new LocalBus();
  return RedisBus.over(redis, channel, log, subscribe, stillUnread);
}
