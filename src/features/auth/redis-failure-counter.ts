import type { FastifyBaseLogger } from 'fastify';
import type { SharedRedis } from '../../app/shared-redis.js';
import { throttledWarning } from '../../app/throttled-warning.js';
import { type FailureCounter, type FailureWindow, MemoryFailureCounter } from './failure-counter.js';

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
    log: FastifyBaseLogger,
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
