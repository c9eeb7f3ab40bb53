import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Client, migrateToHead, signUp } from '../support/app.js';
import { photograph, renderCode } from '../support/barcode-images.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { upload } from '../support/scanning.js';
import { connected, type Instance, startInstance } from '../support/sockets.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

for (const dialect of DIALECTS) {
  describe(`state two server processes share through Redis, on ${dialect}`, () => {
    let scratch: ScratchDatabase;
    let a: Instance;
    let b: Instance;
    let n = 0;
    const email = () => `shared${++n}.${process.pid}@example.com`;
    // Keys of its own: test files run in parallel on the same Redis, all from 127.0.0.1.
    const prefix = `expireeye-test-${randomBytes(6).toString('hex')}:`;
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    const failureKeys = (address: string) => redis.keys(`${prefix}login-failures:e|*|${address}`);
    before(async () => {
      scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      await redis.connect();
      const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
      // One proxy in front, so that tests can log in from several addresses (X-Forwarded-For).
      const config = {
        loginMaxFailures: 2,
        loginMaxFailuresPerAccount: 3,
        authRateLimitPerMinute: 1000,
        trustProxy: 1,
      };
      a = await startInstance(scratch, env, config);
      b = await startInstance(scratch, env, config);
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await scratch.drop();
      await redis.quit();
    });

    test('failed logins count across processes: two on A and B lock the account out on both', async () => {
      const user = { email: email(), password: 'right-password' };
      assert.equal(
        (await new Client(a.baseUrl).post('/api/auth/signup', { name: 'S', ...user })).status,
        200,
      );
      const wrong = { email: user.email, password: 'wrong-password' };
      assert.equal((await new Client(a.baseUrl).post('/api/auth/login', wrong)).status, 401);
      assert.equal((await new Client(b.baseUrl).post('/api/auth/login', wrong)).status, 401);
      for (const server of [a, b]) {
        const locked = await new Client(server.baseUrl).post('/api/auth/login', user);
        assert.equal(locked.status, 429, server.baseUrl);
        assert.match(locked.body.detail, /^Too many failed login attempts\. Try again in \d+ seconds\.$/);
        assert.ok(Number(locked.headers.get('retry-after')) > 0);
      }
      const [key] = await failureKeys(user.email);
      assert.ok(key, 'counted in Redis');
      assert.equal(await redis.get(key), '2');
      assert.ok((await redis.pttl(key)) > 0, 'the window expires');
    });

    test('a burst of parallel guesses spread over two processes gets the limit in all, not the limit on each', async () => {
      // bcrypt slow enough that the whole burst arrives before the first answer.
      const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
      const config = { loginMaxFailures: 2, authRateLimitPerMinute: 1000, trustProxy: 1, bcryptCost: 10 };
      const [c, d] = await Promise.all([
        startInstance(scratch, env, config),
        startInstance(scratch, env, config),
      ]);
      try {
        const user = { email: email(), password: 'right-password' };
        assert.equal(
          (await new Client(c.baseUrl).post('/api/auth/signup', { name: 'B', ...user })).status,
          200,
        );
        const answers = await Promise.all(
          Array.from({ length: 24 }, (_, i) =>
            new Client((i % 2 ? c : d).baseUrl).post(
              '/api/auth/login',
              { email: user.email, password: `guess-${i}` },
              { 'x-forwarded-for': '198.51.100.60' },
            ),
          ),
        );
        const statuses = answers.map((r) => r.status);
        const checked = statuses.filter((s) => s !== 429);
        assert.ok(checked.length >= 1 && checked.length <= 2, statuses.join(' '));
        assert.deepEqual(new Set(checked), new Set([401]));
        // Every place taken was given back (the failures themselves stay counted).
        assert.ok(
          await eventually(async () => (await redis.keys(`${prefix}login-pending:*`)).length === 0),
          'each place taken was given back',
        );
        assert.equal(await redis.get(`${prefix}login-failures:a|198.51.100.60`), String(checked.length));
      } finally {
        await Promise.all([c.close(), d.close()]);
      }
    });

    test('the per-account cap adds up failures from every process and address; a client known on A is exempt on B', async () => {
      const user = { email: email(), password: 'right-password' };
      assert.equal(
        (await new Client(a.baseUrl).post('/api/auth/signup', { name: 'P', ...user })).status,
        200,
      );
      const login = (server: Instance, from: string, password: string) =>
        new Client(server.baseUrl).post(
          '/api/auth/login',
          { email: user.email, password },
          { 'x-forwarded-for': from },
        );
      assert.equal((await login(a, '203.0.113.7', user.password)).status, 200, "the owner's device");
      const guesses = [
        [a, '198.51.100.1'],
        [b, '198.51.100.2'],
        [a, '198.51.100.3'],
      ] as const;
      for (const [server, from] of guesses)
        assert.equal((await login(server, from, 'guess')).status, 401, from);
      assert.equal(await redis.get(`${prefix}login-failures:u|${user.email}`), '3', 'counted in Redis');
      for (const server of [a, b]) {
        assert.equal((await login(server, '198.51.100.4', user.password)).status, 429, server.baseUrl);
      }
      assert.equal((await login(b, '203.0.113.7', user.password)).status, 200, 'known through Redis on B');
    });

    test('a password changed on A revokes the old token on B at once; the new one works on both', async () => {
      const user = { email: email(), password: 'first-password' };
      const signup = await new Client(a.baseUrl).post('/api/auth/signup', { name: 'T', ...user });
      const old = signup.body.token as string;
      // B has now cached the user's token version.
      assert.equal((await new Client(b.baseUrl, old).get('/api/user/profile')).status, 200);
      const changed = await new Client(a.baseUrl, old).post('/api/user/change-password', {
        currentPassword: user.password,
        newPassword: 'second-password',
      });
      assert.equal(changed.status, 200, changed.text);
      const refused = await eventually(
        async () => (await new Client(b.baseUrl, old).get('/api/user/profile')).status === 401,
      );
      assert.ok(refused, 'B refuses the revoked token well before its one-minute cache would expire');
      for (const server of [a, b]) {
        assert.equal(
          (await new Client(server.baseUrl, changed.body.token).get('/api/user/profile')).status,
          200,
        );
      }
    });

    test('revocations published while B was not listening are not missed: B reads the database meanwhile and forgets on reconnect', async () => {
      const user = { email: email(), password: 'password-zero' };
      const v0 = (await new Client(a.baseUrl).post('/api/auth/signup', { name: 'R', ...user })).body
        .token as string;
      assert.equal((await new Client(b.baseUrl, v0).get('/api/user/profile')).status, 200);
      const sub = b.app.redis!.subscriberClient!;
      // B's subscriber connection drops: A's broadcasts no longer reach B.
      sub.disconnect();
      assert.ok(await eventually(async () => !b.app.redis!.listening));
      const change = async (token: string, from: string, to: string) => {
        const r = await new Client(a.baseUrl, token).post('/api/user/change-password', {
          currentPassword: from,
          newPassword: to,
        });
        assert.equal(r.status, 200, r.text);
        return r.body.token as string;
      };
      const v1 = await change(v0, 'password-zero', 'password-one');
      // B had v0 cached, but does not trust it while deaf: refused at once, no minute's grace.
      assert.equal((await new Client(b.baseUrl, v0).get('/api/user/profile')).status, 401);
      assert.equal((await new Client(b.baseUrl, v1).get('/api/user/profile')).status, 200);
      const v2 = await change(v1, 'password-one', 'password-two');
      await sub.connect();
      assert.ok(await eventually(async () => b.app.redis!.listening));
      // What B remembered from the outage (v1) was forgotten when its subscriber came back.
      assert.equal((await new Client(b.baseUrl, v1).get('/api/user/profile')).status, 401);
      assert.equal((await new Client(b.baseUrl, v2).get('/api/user/profile')).status, 200);
      // And broadcasts reach B again: B caches v2, a further change revokes it there at once.
      await change(v2, 'password-two', 'password-three');
      assert.ok(
        await eventually(
          async () => (await new Client(b.baseUrl, v2).get('/api/user/profile')).status === 401,
        ),
        'B is subscribed again',
      );
    });

    test("a password change or account deletion on A closes the old token's sockets on B, also when B was not listening then", async () => {
      const revoked = { code: 1008, reason: 'Access token revoked' };
      const user = { email: email(), password: 'password-zero' };
      const v0 = (await new Client(a.baseUrl).post('/api/auth/signup', { name: 'W', ...user })).body
        .token as string;
      const bystander = (
        await new Client(a.baseUrl).post('/api/auth/signup', { email: email(), password: 'bystander' })
      ).body.token as string;
      const others = await connected(b.wsUrl, bystander);
      const old = await connected(b.wsUrl, v0);
      const changed = await new Client(a.baseUrl, v0).post('/api/user/change-password', {
        currentPassword: 'password-zero',
        newPassword: 'password-one',
      });
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual(await old.closedWithin(), revoked, 'closed on B through the broadcast');
      const v1 = changed.body.token as string;
      const current = await connected(b.wsUrl, v1);

      const sub = b.app.redis!.subscriberClient!;
      sub.disconnect();
      assert.ok(await eventually(async () => !b.app.redis!.listening));
      const deleted = await new Client(a.baseUrl, v1).post('/api/user/delete-account', {
        password: 'password-one',
      });
      assert.equal(deleted.status, 200, deleted.text);
      assert.deepEqual(await current.ask('PING'), { type: 'pong' }, 'B did not hear of it yet');
      await sub.connect();
      assert.deepEqual(await current.closedWithin(), revoked, 'checked when B listens again');
      assert.deepEqual(await others.ask('PING'), { type: 'pong' }, "another user's socket stays");
      await others.close();
    });

    test('while Redis is unreachable, each process still limits failed logins in memory', async () => {
      const user = { email: email(), password: 'right-password' };
      assert.equal(
        (await new Client(b.baseUrl).post('/api/auth/signup', { name: 'U', ...user })).status,
        200,
      );
      b.app.redis!.client.disconnect();
      const wrong = { email: user.email, password: 'wrong-password' };
      for (let i = 0; i < 2; i++)
        assert.equal((await new Client(b.baseUrl).post('/api/auth/login', wrong)).status, 401);
      assert.equal((await new Client(b.baseUrl).post('/api/auth/login', user)).status, 429);
      assert.deepEqual(await failureKeys(user.email), [], 'nothing reached Redis: counted in memory');
      // The other process never saw those failures.
      assert.equal((await new Client(a.baseUrl).post('/api/auth/login', user)).status, 200);
    });
  });
}

describe('request-rate limits shared through Redis', () => {
  let scratch: ScratchDatabase;
  let a: Instance;
  let b: Instance;
  before(async () => {
    scratch = await scratchDatabase('postgres');
    await migrateToHead(scratch);
    const env = { REDIS_URL, REDIS_KEY_PREFIX: `expireeye-test-${randomBytes(6).toString('hex')}:` };
    const config = { authRateLimitPerMinute: 4 };
    Object.assign(env, { SCAN_RATE_LIMIT_PER_MINUTE: '3' });
    a = await startInstance(scratch, env, config);
    b = await startInstance(scratch, env, config);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await scratch.drop();
  });

  test('the per-minute limit of an auth route counts requests to every process', async () => {
    // Bodies that fail validation: counted by the rate limit, never reaching the login guard.
    const statuses: number[] = [];
    for (const server of [a, b, a, b, a, b]) {
      statuses.push(
        (await new Client(server.baseUrl).post('/api/auth/login', { email: 'x@example.com' })).status,
      );
    }
    assert.deepEqual(statuses, [422, 422, 422, 422, 429, 429]);
  });

  test("a user's scan budget is one count for all the routes that spend it, on every process", async () => {
    const { token } = await signUp(a.baseUrl, 'budget');
    const qrPhoto = await photograph(await renderCode('qrcode', 'hello'));
    const statuses = [
      (await upload(a.baseUrl, '/api/qr', token, qrPhoto)).status,
      // An unknown barcode: 404, but the look-up was asked for, so it counts.
      (await new Client(b.baseUrl, token).post('/api/product/user/add?barcode=5000112637922', {})).status,
      (await upload(b.baseUrl, '/api/qr', token, qrPhoto)).status,
      (await upload(a.baseUrl, '/api/qr', token, qrPhoto)).status,
      (await new Client(b.baseUrl, token).post('/api/product/user/add?barcode=5000112637922', {})).status,
    ];
    assert.deepEqual(statuses, [200, 404, 200, 429, 429]);
    const client = a.app.redis!.client;
    const keys = await client.keys(`${a.app.redis!.key('rate-limit:')}GROUP:scans-*`);
    assert.equal(keys.length, 1, 'one count in Redis, named after the group');
  });

  test('while Redis is unreachable, each process still enforces the limit, counting in memory', async () => {
    const client = b.app.redis!.client;
    const keys = () => client.keys(`${b.app.redis!.key('rate-limit:')}*`);
    // One request while Redis is up: the signup route's count is in Redis.
    const first = await new Client(b.baseUrl).post('/api/auth/signup', { email: 'x@example.com' });
    assert.equal(first.status, 422);
    const shared = await keys();
    assert.ok(
      shared.some((k) => k.includes('/api/auth/signup')),
      shared.join(),
    );
    const before = await Promise.all(shared.map((k) => client.get(k)));
    client.disconnect();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await new Client(b.baseUrl).post('/api/auth/signup', { email: 'x@example.com' });
      statuses.push(res.status);
    }
    // Not the plugin's 500 on a store error, nor its skipOnError's unlimited requests.
    assert.deepEqual(statuses, [422, 422, 422, 422, 429, 429]);
    await client.connect();
    assert.deepEqual(await keys(), shared, 'nothing new reached Redis');
    assert.deepEqual(await Promise.all(shared.map((k) => client.get(k))), before);
  });
});
