import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import LocalStore from '@fastify/rate-limit/store/LocalStore.js';
import RedisStore from '@fastify/rate-limit/store/RedisStore.js';
import type { Redis } from 'ioredis';

type Callback = Parameters<FastifyRateLimitStore['incr']>[1];
/** What the plugin passes to `child`: a route's merged limit options (opaque here). */
type RouteLimitOptions = Parameters<FastifyRateLimitStore['child']>[0];
/** The plugin's global options, as far as its stores read them. */
type StoreOptions = { continueExceeding?: boolean; exponentialBackoff?: boolean };

/**
 * @fastify/rate-limit's store interface as its own Redis and local stores implement it: the typed
 * one plus `read`, which the plugin calls for `{ increment: false }` checks.
 */
export interface RateLimitStore extends FastifyRateLimitStore {
  read(key: string, callback: Callback, timeWindow: number, max: number): void;
  child(routeOptions: RouteLimitOptions): RateLimitStore;
}

/** Whether to ask Redis now, and what came of it (SharedRedis's back-off after a timeout). */
export interface CommandGate {
  admitCommand(): boolean;
  settleCommand(error?: unknown): void;
}

/**
 * Counts in Redis, so that every server process shares one limit, and in this process's memory
 * whenever a Redis command fails: while Redis is down each process still enforces the limit on
 * its own (at worst N processes allow N times it), where the plugin's `skipOnError` would lift
 * the limit altogether and its default would answer 500 to every limited route. Both halves are
 * the plugin's own stores; each route (or group: GroupedRateLimitStore) gets its own pair. While
 * the gate backs off (Redis stopped answering) the local half counts without asking Redis first.
 */
export class FallbackRateLimitStore implements RateLimitStore {
  constructor(
    private readonly shared: RateLimitStore,
    private readonly local: RateLimitStore,
    private readonly onFallback: (error: Error) => void,
    private readonly gate: CommandGate,
  ) {}

  /** Over the plugin's own Redis and local stores, with the plugin's global options. */
  static create(
    redis: CommandGate & { client: Redis },
    nameSpace: string,
    onFallback: (error: Error) => void,
    options: StoreOptions,
  ): FallbackRateLimitStore {
    const ce = !!options.continueExceeding;
    const eb = !!options.exponentialBackoff;
    return new FallbackRateLimitStore(
      new RedisStore(ce, eb, redis.client, nameSpace),
      new LocalStore(ce, eb),
      onFallback,
      redis,
    );
  }

  incr(key: string, callback: Callback, timeWindow: number, max: number): void {
    if (this.gate.admitCommand())
      this.shared.incr(key, this.orLocally('incr', key, callback, timeWindow, max), timeWindow, max);
    else this.local.incr(key, callback, timeWindow, max);
  }

  read(key: string, callback: Callback, timeWindow: number, max: number): void {
    if (this.gate.admitCommand())
      this.shared.read(key, this.orLocally('read', key, callback, timeWindow, max), timeWindow, max);
    else this.local.read(key, callback, timeWindow, max);
  }

  child(routeOptions: RouteLimitOptions): RateLimitStore {
    return new FallbackRateLimitStore(
      this.shared.child(routeOptions),
      this.local.child(routeOptions),
      this.onFallback,
      this.gate,
    );
  }

  private orLocally(
    method: 'incr' | 'read',
    key: string,
    callback: Callback,
    timeWindow: number,
    max: number,
  ): Callback {
    return (error, result) => {
      this.gate.settleCommand(error ?? undefined);
      if (!error) return callback(null, result);
      this.onFallback(error);
      this.local[method](key, callback, timeWindow, max);
    };
  }
}

/** The plugin's own in-memory store, with the plugin's global options. */
export function localStore(options: StoreOptions): RateLimitStore {
  return new LocalStore(!!options.continueExceeding, !!options.exponentialBackoff);
}

/**
 * Routes with the same `groupId` share one count, as @fastify/rate-limit documents: its own stores
 * give every route a child of its own (a fresh in-memory map; a Redis namespace named after the
 * route), so a group of N routes allowed N × max (fastify/fastify-rate-limit#463, open in 11.2).
 * Here the routes of a group get one child, namespaced after the group.
 */
export class GroupedRateLimitStore implements RateLimitStore {
  private readonly groups = new Map<string, RateLimitStore>();

  constructor(private readonly inner: RateLimitStore) {}

  /** The constructor the plugin's `store` option takes (it calls `new Store(globalOptions)`). */
  static over(
    make: (options: StoreOptions) => RateLimitStore,
  ): new (
    options: StoreOptions,
  ) => RateLimitStore {
    return class extends GroupedRateLimitStore {
      constructor(options: StoreOptions) {
        super(make(options));
      }
    };
  }

  incr(key: string, callback: Callback, timeWindow: number, max: number): void {
    this.inner.incr(key, callback, timeWindow, max);
  }

  read(key: string, callback: Callback, timeWindow: number, max: number): void {
    this.inner.read(key, callback, timeWindow, max);
  }

  child(routeOptions: RouteLimitOptions): RateLimitStore {
    const groupId = (routeOptions as { groupId?: unknown }).groupId;
    if (typeof groupId !== 'string') return this.inner.child(routeOptions);
    let child = this.groups.get(groupId);
    if (!child) {
      // The Redis store names a child's keys after routeInfo's method and url.
      const named = { ...routeOptions, routeInfo: { method: 'GROUP', url: `:${groupId}` } };
      child = this.inner.child(named as unknown as RouteLimitOptions);
      this.groups.set(groupId, child);
    }
    return child;
  }
}
