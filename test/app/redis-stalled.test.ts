import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Client, migrateToHead, signUp } from '../support/app.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { RedisCommandLog } from '../support/redis-commands.js';
import { PrivateRedis } from '../support/redis-server.js';
import { type Instance, startInstance } from '../support/sockets.js';
import { TcpProxy } from '../support/tcp-proxy.js';

// The database is not what this is about: one dialect. Whether a request waited for Redis is read
// off what the server sent it (through a proxy that logs commands), not off how long it took.
describe('Redis stalls (SIGSTOP: connections open, no replies): only the requests already waiting wait for its timeout', () => {
  let scratch: ScratchDatabase;
  let redis: PrivateRedis;
  let proxy: TcpProxy;
  const sent = new RedisCommandLog();
  let direct: Redis;
  let server: Instance;
  const prefix = `expireeye-test-${randomBytes(6).toString('hex')}:`;
  before(async () => {
    scratch = await scratchDatabase('sqlite');
    await migrateToHead(scratch);
    redis = await PrivateRedis.start();
    proxy = await TcpProxy.start(redis.port, '127.0.0.1', sent.tap);
    direct = new Redis(redis.url, { lazyConnect: true });
    await direct.connect();
    // Its warnings about the timeouts are expected: kept out of the test output.
    server = await startInstance(
      scratch,
      { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_KEY_PREFIX: prefix },
      { loginMaxFailures: 3, authRateLimitPerMinute: 1000 },
      [],
    );
  });
  after(async () => {
    redis?.resume();
    await server?.close();
    await proxy?.close();
    direct?.disconnect();
    await redis?.close();
    await scratch?.drop();
  });

  test('after the first slow login, logins and password changes do not ask Redis and failed logins count in memory; after SIGCONT they are counted in Redis again', {
    timeout: 60_000,
  }, async () => {
    const user = await signUp(server.baseUrl, 'stalled', 'first-password');
    const anon = new Client(server.baseUrl);
    const login = (email: string, password: string) => anon.post('/api/auth/login', { email, password });
    /** What the server sent Redis on its command connection since `from`. */
    const asked = (from: number) => sent.namesSince(from, 'expireeye');
    const loginAsked = sent.commands.length;
    assert.equal((await login(user.email, user.password)).status, 200);
    assert.ok(
      asked(loginAsked).some((c) => c !== 'PING'),
      'a login asks Redis while it answers',
    );

    redis.stall();
    // The first one waits for a command timeout, and may meet one more command that was already
    // sent; it is answered all the same.
    const first = await login(user.email, user.password);
    assert.equal(first.status, 200, first.text);

    // Then Redis is not asked for a while: no request waits for it.
    const backingOff = sent.commands.length;
    for (let i = 0; i < 5; i++) {
      const ok = await login(user.email, user.password);
      assert.equal(ok.status, 200, ok.text);
    }
    const changed = await new Client(server.baseUrl, first.body.token).post('/api/user/change-password', {
      currentPassword: user.password,
      newPassword: 'second-password',
    });
    assert.equal(changed.status, 200, changed.text);
    // The login limit holds meanwhile, counted in this process's memory.
    const guessed = `guessed.${randomBytes(3).toString('hex')}@example.com`;
    for (let i = 0; i < 3; i++) assert.equal((await login(guessed, 'wrong-password')).status, 401);
    assert.equal((await login(guessed, 'wrong-password')).status, 429);
    assert.deepEqual(
      asked(backingOff).filter((c) => c !== 'PING'),
      [],
      'no request asked Redis (its own PINGs aside)',
    );

    // For as long as it stalls: a PING of the server's own finds out when Redis answers again,
    // not a request. Each new PING means the one before went unanswered (timed out): a login
    // after it still asks nothing.
    for (let probe = 0; probe < 3; probe++) {
      const pings = asked(backingOff).length;
      assert.ok(
        await eventually(() => asked(backingOff).length > pings, 10_000),
        'the server PINGs Redis again',
      );
      const ok = await login(user.email, 'second-password');
      assert.equal(ok.status, 200, ok.text);
    }
    assert.deepEqual([...new Set(asked(backingOff))], ['PING'], 'the PINGs alone, however many failed');

    redis.resume();
    // Once it answers, failed logins are counted in Redis again (shared by every instance).
    const counted = await eventually(async () => {
      const email = `later.${randomBytes(3).toString('hex')}@example.com`;
      assert.equal((await login(email, 'wrong-password')).status, 401);
      return (await direct.keys(`${prefix}login-failures:e|*|${email}`)).length === 1;
    }, 5000);
    assert.ok(counted, 'failed logins are counted in Redis again');
    const resumed = sent.commands.length;
    const back = await login(user.email, 'second-password');
    assert.equal(back.status, 200, back.text);
    assert.ok(
      asked(resumed).some((c) => c !== 'PING'),
      'the login asked Redis',
    );
    // Had its commands timed out, the server would be backing off again.
    assert.equal(server.app.redis!.admitCommand(), true, 'Redis answered it');
  });
});
