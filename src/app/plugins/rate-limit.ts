import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { FallbackRateLimitStore, GroupedRateLimitStore, localStore } from '../rate-limit-store.js';
import { throttledWarning } from '../throttled-warning.js';

/**
 * Request-rate limits, per client address, for the routes that opt in with
 * `config: { rateLimit: {...} }` (the auth routes: each costs a bcrypt hash). Failed logins have
 * their own, stricter counter (LoginGuard). With REDIS_URL the counts are shared by every server
 * process; while Redis is unreachable each process counts in memory (FallbackRateLimitStore).
 * Routes given one `groupId` share a count (GroupedRateLimitStore): the per-user scan budget.
 */
async function rateLimitPlugin(app: FastifyInstance): Promise<void> {
  const { redis } = app;
  await app.register(rateLimit, {
    global: false,
    store: GroupedRateLimitStore.over((options) =>
      redis
        ? FallbackRateLimitStore.create(
            redis,
            redis.key('rate-limit:'),
            throttledWarning(app.log, 'request rates counted in memory: Redis unavailable'),
            options,
          )
        : localStore(options),
    ),
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: ctx.statusCode,
      detail: `Too many requests. Try again in ${Math.ceil(ctx.ttl / 1000)} seconds.`,
    }),
  });
}

export default fp(rateLimitPlugin, { name: 'rate-limit' });
