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
    let ok = false;
    try {
      ok = /^rediss?:$/.test(new URL(url).protocol);
    } catch {
      ok = false;
    }
    // The URL may hold a password: never echo it.
    if (!ok) throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  const keyPrefix = env.REDIS_KEY_PREFIX?.trim() || 'expireeye:';
  if (!/^[\w:.-]{1,64}$/.test(keyPrefix)) {
    throw new ConfigError('REDIS_KEY_PREFIX', 'must be 1-64 letters, digits or _ : . -');
  }
  return { url, keyPrefix };
}
