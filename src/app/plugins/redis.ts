import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { RedisConfig } from '../../config/redis-config.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The shared Redis when REDIS_URL is set (several server processes), else undefined. */
    redis?: SharedRedis;
  }
}

/**
 * One command connection for the state server processes share (rate-limit and login-failure
 * counters), a subscriber for their broadcasts, and the deployment's key prefix. Commands fail
 * at once while Redis is down (no offline queue), so callers fall back instead of waiting.
 */
export class SharedRedis {
  private readonly handlers = new Map<string, (message: string) => void>();

  private constructor(
    readonly client: Redis,
    private readonly subscriber: Redis,
    readonly keyPrefix: string,
  ) {
    subscriber.on('message', (channel: string, message: string) => this.handlers.get(channel)?.(message));
  }

  static async connect(config: Required<RedisConfig>, log: FastifyInstance['log']): Promise<SharedRedis> {
    const common = {
      lazyConnect: true,
      connectTimeout: 5000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    };
    const client = new Redis(config.url, { ...common, connectionName: 'expireeye-state' });
    const subscriber = new Redis(config.url, { ...common, connectionName: 'expireeye-state-sub' });
    for (const c of [client, subscriber]) {
      // Logged without the URL (it may hold a password); ioredis reconnects by itself.
      c.on('error', (e: Error) => log.warn({ err: { message: e.message } }, 'redis connection error'));
    }
    try {
      await Promise.all([client.connect(), subscriber.connect()]);
    } catch (e) {
      client.disconnect();
      subscriber.disconnect();
      throw new Error(`cannot reach Redis (REDIS_URL): ${(e as Error).message.replace(/\.$/, '')}`);
    }
    return new SharedRedis(client, subscriber, config.keyPrefix);
  }

  key(name: string): string {
    return `${this.keyPrefix}${name}`;
  }

  /** Calls `handler` with every message broadcast on `channel` (prefixed), by any process. */
  async listen(channel: string, handler: (message: string) => void): Promise<void> {
    this.handlers.set(this.key(channel), handler);
    await this.subscriber.subscribe(this.key(channel));
  }

  async broadcast(channel: string, message: string): Promise<void> {
    await this.client.publish(this.key(channel), message);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.allSettled([this.client.quit(), this.subscriber.quit()]);
  }
}

async function redisPlugin(app: FastifyInstance, config: RedisConfig): Promise<void> {
  if (!config.url) return;
  const redis = await SharedRedis.connect({ url: config.url, keyPrefix: config.keyPrefix }, app.log);
  app.decorate('redis', redis);
  app.addHook('onClose', () => redis.close());
}

export default fp(redisPlugin, { name: 'redis' });
