import { ConfigError } from './config-error.js';

/** Redis, which several server processes share (notifications, rate limits, token revocations). */
export interface RedisConfig {
  /** `REDIS_URL` (redis:// or rediss://); unset = one process, everything in memory. */
  url?: string | undefined;
  /** `REDIS_KEY_PREFIX` (default `expireeye:`): one per deployment sharing a Redis. */
  keyPrefix: string;
}

export function redisConfig(env: NodeJS.ProcessEnv = process.env): RedisConfig {
  const url = env.REDIS_URL?.trim() || undefined;
  if (url) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    // The URL may hold a password: never echo it.
    if (!parsed || !/^rediss?:$/.test(parsed.protocol)) {
      throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
    }
    // ioredis takes the path (or, without one, a `?db=`) as the database number and parses it with
    // parseInt: `/abc` became SELECT NaN, a rejection nobody caught that killed the process with a
    // stack trace after start, and `/1.5` quietly meant database 1. Whether the server has that
    // many databases only it knows: a SELECT it refuses stops the start (SharedRedis.connect).
    const db = parsed.pathname.length > 1 ? parsed.pathname.slice(1) : parsed.searchParams.get('db');
    if (db !== null && !/^\d+$/.test(db)) {
      throw new ConfigError(
        'REDIS_URL',
        'the path must be a database number (redis://host:6379/0, /1, …) or nothing (database 0)',
      );
    }
  }
  const keyPrefix = env.REDIS_KEY_PREFIX?.trim() || 'expireeye:';
  if (!/^[\w:.-]{1,64}$/.test(keyPrefix)) {
    throw new ConfigError('REDIS_KEY_PREFIX', 'must be 1-64 letters, digits or _ : . -');
  }
  return { url, keyPrefix };
}
