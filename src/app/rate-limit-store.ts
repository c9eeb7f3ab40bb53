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

/**
 * Counts in Redis, so that every server process shares one limit, and in this process's memory
 * whenever a Redis command fails: while Redis is down each process still enforces the limit on
 * its own (at worst N processes allow N times it), where the plugin's `skipOnError` would lift
 * the limit altogether and its default would answer 500 to every limited route. Both halves are
 * the plugin's own stores; each route gets its own pair, as with the plain stores.
 */
export class FallbackRateLimitStore implements RateLimitStore {
  constructor(
    private readonly shared: RateLimitStore,
    private readonly local: RateLimitStore,
    private readonly onFallback: (error: Error) => void,
  ) {}

  /** The constructor the plugin's `store` option takes (it calls `new Store(globalOptions)`). */
  static using(
    redis: Redis,
    nameSpace: string,
    onFallback: (error: Error) => void,
  ): new (
    options: StoreOptions,
  ) => RateLimitStore {
    return class extends FallbackRateLimitStore {
      constructor(options: StoreOptions) {
        const ce = !!options.continueExceeding;
        const eb = !!options.exponentialBackoff;
        super(new RedisStore(ce, eb, redis, nameSpace), new LocalStore(ce, eb), onFallback);
      }
    };
  }

  incr(key: string, callback: Callback, timeWindow: number, max: number): void {
    this.shared.incr(key, this.orLocally('incr', key, callback, timeWindow, max), timeWindow, max);
  }

  read(key: string, callback: Callback, timeWindow: number, max: number): void {
    this.shared.read(key, this.orLocally('read', key, callback, timeWindow, max), timeWindow, max);
  }

  child(routeOptions: RouteLimitOptions): RateLimitStore {
    return new FallbackRateLimitStore(
      this.shared.child(routeOptions),
      this.local.child(routeOptions),
      this.onFallback,
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
      if (!error) return callback(null, result);
      this.onFallback(error);
      this.local[method](key, callback, timeWindow, max);
    };
  }
}
