import type { Logger } from 'pino';
import { LocalBus } from './local-bus.js';
import type { NotificationBus } from './notification-bus.js';
import type { RealtimeSettings } from './realtime-settings.js';
import { RedisBus } from './redis-bus.js';

/** Redis pub/sub when REDIS_URL is set, else in-process delivery. */
export async function createNotificationBus(
  settings: Pick<RealtimeSettings, 'redisUrl' | 'redisChannel'>,
  log: Pick<Logger, 'warn' | 'error'>,
  subscribe = true,
): Promise<NotificationBus> {
  if (!settings.redisUrl) return new LocalBus();
  return RedisBus.connect({ url: settings.redisUrl, channel: settings.redisChannel, log, subscribe });
}
