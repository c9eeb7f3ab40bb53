import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { SharedRedis } from '../../app/shared-redis.js';
import { throttledWarning } from '../../app/throttled-warning.js';
import {
  type FailureCounter,
  type FailureWindow,
  type KeyLimit,
  MemoryFailureCounter,
  once,
  type Reservation,
} from './failure-counter.js';

/**
 * How long an attempt's place lasts at most: a process that dies (or cannot reach Redis to give
 * places back) leaves its places taken this long, each counted from when it was taken, however
 * busy its key. An attempt is one bcrypt check: well under a second.
 */
const PENDING_TTL_MS = 30_000;

/**
 * KEYS: for each limit, its failures key (a counter whose expiry is its window), then its
 * attempts-under-way key (a sorted set: one member per place, scored by when it lapses). ARGV: the
 * places' lifetime (ms), this attempt's place id, then each limit's max. Drops the lapsed places,
 * checks every limit and takes the places in one atomic step, so that two processes checking at
 * the same moment cannot both take the last place. Returns -3 when the places are taken; else, for
 * a key full of failures, that window's PTTL; -2 for a key full only with attempts under way (they
 * are answered within a second or lapse).
 */
const RESERVE = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local n = #KEYS / 2
for i = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[2 * i], '-inf', now)
end
for i = 1, n do
  local failures = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local max = tonumber(ARGV[i + 2])
  if failures >= max then return redis.call('PTTL', KEYS[2 * i - 1]) end
  if failures + redis.call('ZCARD', KEYS[2 * i]) >= max then return -2 end
end
for i = 1, n do
  redis.call('ZADD', KEYS[2 * i], now + tonumber(ARGV[1]), ARGV[2])
  redis.call('PEXPIRE', KEYS[2 * i], ARGV[1])
end
return -3
`;

/**
 * Failed logins counted in Redis, so that every server process sees the same counts: with N
 * processes an attacker gets the limit, not N times it. Each key is a counter whose expiry is its
 * window. While Redis cannot be reached, this process counts in memory (its own limit still holds)
 * rather than letting logins through unlimited or refusing them all; while it backs off after a
 * timeout (SharedRedis.command), at once.
 */
export class RedisFailureCounter implements FailureCounter {
  private readonly fallback = new MemoryFailureCounter();
  private readonly warn: (error: unknown) => void;

  constructor(
    private readonly redis: SharedRedis,
    log: Pick<FastifyBaseLogger, 'warn'>,
    /** How long a place lasts at most (PENDING_TTL_MS; tests shorten it). */
    private readonly pendingTtlMs = PENDING_TTL_MS,
  ) {
    this.warn = throttledWarning(log, 'login failures counted in memory: Redis unavailable');
  }

  private key(key: string): string {
    return this.redis.key(`login-failures:${key}`);
  }

  async read(keys: readonly string[], now: number): Promise<(FailureWindow | undefined)[]> {
    try {
      const shared = await this.redis.command(async (client) => {
        const pipeline = client.pipeline();
        for (const key of keys) pipeline.get(this.key(key)).pttl(this.key(key));
        const replies = (await pipeline.exec()) ?? [];
        return keys.map((_, i) => {
          const [countErr, count] = replies[2 * i] ?? [];
          const [ttlErr, ttl] = replies[2 * i + 1] ?? [];
          if (countErr || ttlErr) throw countErr ?? ttlErr;
          if (count === null || typeof ttl !== 'number' || ttl <= 0) return undefined;
          return { failures: Number(count), resetAt: now + ttl };
        });
      });
      // Failures counted here during an outage still count until their window closes.
      const local = await this.fallback.read(keys, now);
      return shared.map((w, i) => worse(w, local[i]));
    } catch (e) {
      this.warn(e);
      return this.fallback.read(keys, now);
    }
  }

  async add(keys: readonly string[], windowMs: number, now: number): Promise<void> {
    try {
      await this.redis.command(async (client) => {
        const tx = client.multi();
        // The first failure opens the window (the key's expiry); later ones only count.
        for (const key of keys) tx.set(this.key(key), 0, 'PX', windowMs, 'NX').incr(this.key(key));
        const replies = await tx.exec();
        const failed = replies?.find(([err]) => err)?.[0];
        if (!replies || failed) throw failed ?? new Error('transaction aborted');
      });
    } catch (e) {
      this.warn(e);
      await this.fallback.add(keys, windowMs, now);
    }
  }

  /**
   * Taken in this process's memory too (where failures counted during an outage still count), then
   * in Redis, atomically against every process. While Redis cannot be reached, the memory places
   * alone hold, as the memory counts do.
   */
  async reserve(limits: readonly KeyLimit[], now: number): Promise<Reservation> {
    const local = await this.fallback.reserve(limits, now);
    if (!('release' in local)) return local;
    const place = randomUUID();
    const keys = limits.map((l) => this.pendingKey(l.key));
    let shared: number;
    try {
      shared = Number(
        await this.redis.command((client) =>
          client.eval(
            RESERVE,
            limits.length * 2,
            ...limits.flatMap((l, i) => [this.key(l.key), keys[i]!]),
            this.pendingTtlMs,
            place,
            ...limits.map((l) => l.max),
          ),
        ),
      );
    } catch (e) {
      this.warn(e);
      return local;
    }
    if (shared !== -3) {
      local.release();
      return { refusedUntil: shared >= 0 ? now + shared : undefined };
    }
    return {
      release: once(() => {
        local.release();
        // After the outcome is counted (the caller awaited it): no moment when neither counts. A
        // place Redis does not get back (unreachable now) lapses by itself.
        this.redis
          .command(async (client) => {
            const tx = client.multi();
            for (const key of keys) tx.zrem(key, place);
            await tx.exec();
          })
          .catch((e: unknown) => this.warn(e));
      }),
    };
  }

  private pendingKey(key: string): string {
    return this.redis.key(`login-pending:${key}`);
  }

  async clear(key: string): Promise<void> {
    await this.fallback.clear(key);
    try {
      await this.redis.command((client) => client.del(this.key(key)));
    } catch (e) {
      this.warn(e);
    }
  }
}

function worse(a: FailureWindow | undefined, b: FailureWindow | undefined): FailureWindow | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.failures >= b.failures ? a : b;
}
