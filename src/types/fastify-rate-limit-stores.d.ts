// @fastify/rate-limit ships its two stores as plain CommonJS files without typings; these are
// the parts of their (documented) store interface that the fallback store uses.
declare module '@fastify/rate-limit/store/RedisStore.js' {
  import type { RateLimitStore } from '../../app/rate-limit-store.js';

  const RedisStore: new (
    continueExceeding: boolean,
    exponentialBackoff: boolean,
    redis: import('ioredis').Redis,
    key?: string,
  ) => RateLimitStore;
  export default RedisStore;
}

declare module '@fastify/rate-limit/store/LocalStore.js' {
  import type { RateLimitStore } from '../../app/rate-limit-store.js';

  const LocalStore: new (
    continueExceeding: boolean,
    exponentialBackoff: boolean,
    cache?: number,
  ) => RateLimitStore;
  export default LocalStore;
}
