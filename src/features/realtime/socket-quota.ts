import { randomUUID } from 'node:crypto';
import type { SharedRedis } from '../../app/shared-redis.js';
import { throttledWarning, type WarningLog } from '../../app/throttled-warning.js';

/** A place taken for one open socket; released when the socket closes. */
export interface SocketLease {
  release(): void;
}

/**
 * How many notification sockets one user may hold open (`WS_MAX_SOCKETS_PER_USER`): every open
 * socket takes a lease first, and none is given past the limit.
 */
export interface SocketQuota {
  /** A lease for one more socket of `userId`, or undefined when the user is at the limit. */
  acquire(userId: string): Promise<SocketLease | undefined>;
  close(): Promise<void>;
}

/** One process's count: the limit of a single server. Taking a lease is synchronous, so atomic. */
export class LocalSocketQuota implements SocketQuota {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  count(userId: string): number {
    return this.open.get(userId) ?? 0;
  }

  async acquire(userId: string): Promise<SocketLease | undefined> {
    return this.take(userId);
  }

  take(userId: string): SocketLease | undefined {
    if (this.count(userId) >= this.max) return undefined;
    this.open.set(userId, this.count(userId) + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const n = this.count(userId) - 1;
        if (n > 0) this.open.set(userId, n);
        else this.open.delete(userId);
      },
    };
  }

  async close(): Promise<void> {
    this.open.clear();
  }
}

/** Lua: `now` in milliseconds on Redis's clock (instances' clocks may differ). */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * Drops expired leases, then adds this one if the user holds fewer than the limit. Scores are
 * expiry times; the key itself outlives its newest lease a little, so a user nobody renews
 * disappears.
 */
const ACQUIRE = `${NOW}
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease * 2)
return 1
`;

/** Renews leases: KEYS[i] holds the lease ARGV[i + 1]; ARGV[1] is the lease duration. */
const RENEW = `${NOW}
local lease = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + lease, ARGV[i + 1])
  redis.call('PEXPIRE', key, lease * 2)
end
return #KEYS
`;

export interface RedisSocketQuotaOptions {
  /** A lease not renewed for this long is gone (an instance that died without releasing). */
  leaseMs?: number;
  log: WarningLog;
}

/**
 * The limit across every server process sharing a Redis: each open socket holds a lease in a
 * sorted set per user, renewed by its instance every third of the lease time and removed when
 * the socket closes; an instance that dies takes its leases with it once they expire (a minute
 * by default). While Redis cannot be reached, each process still enforces the limit on its own
 * sockets; the leases it gave meanwhile are written to Redis at the next renewal.
 */
export class RedisSocketQuota implements SocketQuota {
  private readonly local: LocalSocketQuota;
  /** This process's leases: member → Redis key. */
  private readonly leases = new Map<string, string>();
  private readonly instance = randomUUID();
  private sequence = 0;
  private readonly leaseMs: number;
  private readonly timer: NodeJS.Timeout;
  private readonly warn: (error: unknown) => void;

  constructor(
    private readonly redis: SharedRedis,
    private readonly max: number,
    options: RedisSocketQuotaOptions,
  ) {
    this.local = new LocalSocketQuota(max);
    this.leaseMs = options.leaseMs ?? 60_000;
    this.warn = throttledWarning(options.log, 'notification sockets counted per instance: Redis unavailable');
    this.timer = setInterval(() => void this.renew(), this.leaseMs / 3);
    this.timer.unref();
  }

  private key(userId: string): string {
    return this.redis.key(`ws-sockets:${userId}`);
  }

  async acquire(userId: string): Promise<SocketLease | undefined> {
    // This process's own sockets count everywhere: past the limit here, it is past it in all.
    const local = this.local.take(userId);
    if (!local) return undefined;
    const key = this.key(userId);
    const member = `${this.instance}:${++this.sequence}`;
    try {
      const granted = await this.redis.command((client) =>
        client.eval(ACQUIRE, 1, key, member, this.max, this.leaseMs),
      );
      if (granted !== 1) {
        local.release();
        return undefined;
      }
    } catch (e) {
      this.warn(e);
    }
    this.leases.set(member, key);
    return {
      release: () => {
        if (!this.leases.delete(member)) return;
        local.release();
        this.redis.client.zrem(key, member).catch((e: unknown) => this.warn(e));
      },
    };
  }

  /** Extends every lease this process holds (and writes those given while Redis was away). */
  async renew(): Promise<void> {
    const members = [...this.leases.keys()];
    // In slices: one script call per thousand sockets keeps each call short for Redis. Each slice
    // keeps only the leases still held when it is sent: a socket that closed while an earlier
    // slice was in flight has had its ZREM queued already, and renewing it would write it back
    // for a whole lease time. (One connection runs commands in the order they were sent, so a
    // ZREM queued after this call still removes what it renews.)
    for (let i = 0; i < members.length; i += 1000) {
      const slice = members.slice(i, i + 1000).flatMap((member) => {
        const key = this.leases.get(member);
        return key === undefined ? [] : [[member, key] as const];
      });
      if (slice.length === 0) continue;
      try {
        await this.redis.client.eval(
          RENEW,
          slice.length,
          ...slice.map(([, key]) => key),
          this.leaseMs,
          ...slice.map(([member]) => member),
        );
      } catch (e) {
        this.warn(e);
        return;
      }
    }
  }

  /** Gives this process's leases back (its sockets are closing with it). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    const entries = [...this.leases];
    this.leases.clear();
    if (entries.length === 0) return;
    const pipeline = this.redis.client.pipeline();
    for (const [member, key] of entries) pipeline.zrem(key, member);
    await pipeline.exec().catch(() => undefined);
  }
}
