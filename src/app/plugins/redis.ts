import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RedisConfig } from '../../config/redis-config.js';
import { SharedRedis } from '../shared-redis.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The shared Redis when REDIS_URL is set (several server processes), else undefined. */
    redis?: SharedRedis;
  }
}

/**
 * Connects to REDIS_URL at start (a server that cannot reach it refuses to start). Closes after
 * the plugins registered after it, which use it: onClose hooks run in reverse order.
 */
async function redisPlugin(app: FastifyInstance, config: RedisConfig): Promise<void> {
  if (!config.url) return;
  const redis = await SharedRedis.connect({ url: config.url, keyPrefix: config.keyPrefix }, app.log);
  app.decorate('redis', redis);
  app.addHook('onClose', () => redis.close());
}

export default fp(redisPlugin, { name: 'redis' });
