import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SharedRedis } from '../../src/app/shared-redis.js';
import { ConfigError } from '../../src/config/config-error.js';
import { redisConfig } from '../../src/config/redis-config.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = { warn: () => undefined };

describe('REDIS_URL', () => {
  test('the path, if any, is a database number: anything else is a ConfigError naming REDIS_URL', () => {
    for (const url of [
      'redis://127.0.0.1:6379/abc',
      'redis://127.0.0.1:6379/-1',
      'redis://127.0.0.1:6379/1.5',
      'redis://127.0.0.1:6379/1e3',
      'redis://127.0.0.1:6379/0/',
      'redis://127.0.0.1:6379/%201',
      'redis://127.0.0.1:6379/?db=abc',
      'redis://127.0.0.1:6379?db=',
      'redis://:s3cret@127.0.0.1:6379/abc',
    ]) {
      assert.throws(
        () => redisConfig({ REDIS_URL: url }),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.variable === 'REDIS_URL' &&
          /^REDIS_URL: the path must be a database number \(redis:\/\/host:6379\/0, \/1, …\)/.test(
            e.message,
          ) &&
          !e.message.includes('s3cret') &&
          !e.message.includes('127.0.0.1'),
        url,
      );
    }
  });

  test('a database number, or no path, is accepted as given', () => {
    for (const url of [
      'redis://127.0.0.1:6379/0',
      'redis://127.0.0.1:6379/15',
      'redis://127.0.0.1:6379',
      'redis://127.0.0.1:6379/',
      'redis://127.0.0.1:6379/?db=3',
      'rediss://user:pw@redis.example:6380/2',
    ]) {
      assert.equal(redisConfig({ REDIS_URL: url }).url, url);
    }
    assert.equal(redisConfig({}).url, undefined);
  });

  test('a URL that is no redis:// URL is still refused as such', () => {
    assert.throws(
      () => redisConfig({ REDIS_URL: 'http://127.0.0.1:6379/0' }),
      (e: unknown) =>
        e instanceof ConfigError && e.message === 'REDIS_URL: must be a redis:// or rediss:// URL',
    );
  });

  test('against the local Redis (16 databases): /15 is used as given, /99 is refused by name', async () => {
    // Nothing is written: the connections only select and read their own client info.
    const ok = await SharedRedis.connect({ url: `${REDIS_URL}/15`, keyPrefix: 'expireeye-test:' }, log);
    try {
      assert.match(String(await ok.client.call('CLIENT', 'INFO')), /\bdb=15\b/);
    } finally {
      await ok.close();
    }
    await assert.rejects(
      SharedRedis.connect({ url: `${REDIS_URL}/99`, keyPrefix: 'expireeye-test:' }, log),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.variable === 'REDIS_URL' &&
        /^REDIS_URL: Redis refused database 99: ERR .+/.test(e.message),
    );
  });
});
