import { wholeNumber } from '../../config/env-values.js';

/** Live delivery settings; read from the environment once at start. */
export interface RealtimeSettings {
  /** `REDIS_CHANNEL` (default `expireeye:notifications`): one per deployment sharing a Redis. */
  redisChannel: string;
  /** `WS_HEARTBEAT_SECONDS` (default 30): ping period; a socket that missed one pong is dropped. */
  heartbeatSeconds: number;
  /** `WS_MAX_SOCKETS_PER_USER` (default 20): tabs and devices one account may keep open at once. */
  maxSocketsPerUser: number;
  /** `WS_BACKLOG_LIMIT` (default 200): unread notifications sent on connect (the newest ones). */
  backlogLimit: number;
}

export function realtimeSettings(env: NodeJS.ProcessEnv = process.env): RealtimeSettings {
  return {
    redisChannel: env.REDIS_CHANNEL?.trim() || 'expireeye:notifications',
    heartbeatSeconds: wholeNumber(env, 'WS_HEARTBEAT_SECONDS', 30, 1, 3600),
    maxSocketsPerUser: wholeNumber(env, 'WS_MAX_SOCKETS_PER_USER', 20, 1, 1000),
    backlogLimit: wholeNumber(env, 'WS_BACKLOG_LIMIT', 200, 0, 10_000),
  };
}
