import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Client, migrateToHead, signUp } from '../support/app.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { PrivateRedis } from '../support/redis-server.js';
import { type Instance, startInstance } from '../support/sockets.js';

/** How long `work` took, in milliseconds (and its result). */
async function timed<T>(work: Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await work;
  return [result, Date.now() - started];
}

// The database is not what this is about: one dialect.
describe('Redis stalls (SIGSTOP: connections open, no replies): only the requests already waiting wait for its timeout', () => {
  let scratch: ScratchDatabase;
  let redis: PrivateRedis;
  let direct: Redis;
  let server: Instance;
  const prefix = `expireeye-test-${randomBytes(6).toString('hex')}:`;
  before(async () => {
    scratch = await scratchDatabase('sqlite');
    await migrateToHead(scratch);
    redis = await PrivateRedis.start();
    direct = new Redis(redis.url, { lazyConnect: true });
    await direct.connect();
    // Its warnings about the timeouts are expected: kept out of the test output.
    server = await startInstance(
      scratch,
      { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix },
      { loginMaxFailures: 3, authRateLimitPerMinute: 1000 },
      [],
    );
  });
  after(async () => {
    redis?.resume();
    await server?.close();
    direct?.disconnect();
    await redis?.close();
    await scratch?.drop();
  });

  test('after the first slow login, logins and password changes answer at once and failed logins count in memory; after SIGCONT they are counted in Redis again', async () => {
    const user = await signUp(server.baseUrl, 'stalled', 'first-password');
    const anon = new Client(server.baseUrl);
    const login = (email: string, password: string) => anon.post('/api/auth/login', { email, password });

    redis.stall();
    // The first one waits for a command timeout (a second), and may meet one more command that
    // was already sent; it is answered all the same.
    const [first, firstMs] = await timed(login(user.email, user.password));
    assert.equal(first.status, 200, first.text);
    assert.ok(firstMs < 2500, `first login answered in ${firstMs} ms`);

    // Then Redis is not asked for a while: no request waits for it.
    for (let i = 0; i < 5; i++) {
      const [ok, ms] = await timed(login(user.email, user.password));
      assert.equal(ok.status, 200, ok.text);
      assert.ok(ms < 500, `login ${i + 2} answered in ${ms} ms`);
    }
    const [changed, changeMs] = await timed(
      new Client(server.baseUrl, first.body.token).post('/api/user/change-password', {
        currentPassword: user.password,
        newPassword: 'second-password',
      }),
    );
    assert.equal(changed.status, 200, changed.text);
    assert.ok(changeMs < 500, `password changed in ${changeMs} ms`);
    // The login limit holds meanwhile, counted in this process's memory.
    const guessed = `guessed.${randomBytes(3).toString('hex')}@example.com`;
    for (let i = 0; i < 3; i++) assert.equal((await login(guessed, 'wrong-password')).status, 401);
    assert.equal((await login(guessed, 'wrong-password')).status, 429);

    // For as long as it stalls: a PING of the server's own finds out when Redis answers again,
    // not a request.
    const slow: number[] = [];
    for (const until = Date.now() + 4000; Date.now() < until; ) {
      const [ok, ms] = await timed(login(user.email, 'second-password'));
      assert.equal(ok.status, 200, ok.text);
      if (ms > 500) slow.push(ms);
      await new Promise((r) => setTimeout(r, 50)); // well under the request-rate limit
    }
    assert.deepEqual(slow, [], 'slow logins (ms)');

    redis.resume();
    // Once it answers, failed logins are counted in Redis again (shared by every instance).
    const counted = await eventually(async () => {
      const email = `later.${randomBytes(3).toString('hex')}@example.com`;
      assert.equal((await login(email, 'wrong-password')).status, 401);
      await new Promise((r) => setTimeout(r, 500));
      return (await direct.keys(`${prefix}login-failures:e|*|${email}`)).length === 1;
    }, 5000);
    assert.ok(counted, 'failed logins are counted in Redis again');
    const [back, backMs] = await timed(login(user.email, 'second-password'));
    assert.equal(back.status, 200, back.text);
    assert.ok(backMs < 500, `login answered in ${backMs} ms`);
  });
});
