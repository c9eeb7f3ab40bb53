import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisSocketQuota } from '../../src/features/realtime/socket-quota.js';
import { migrateToHead } from '../support/app.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { insertUser } from '../support/inventory-rows.js';
import { type Instance, startInstance, TestSocket } from '../support/sockets.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REFUSED = { code: 1008, reason: 'Too many open notification sockets for this user' };

/** Every socket a test opened: closed after each test, so a failed assertion leaves none open. */
const sockets: TestSocket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
});

/** Opens a socket; resolves with its CONNECTION_ESTABLISHED socket or with how it was closed. */
async function attempt(i: Instance, token: string): Promise<TestSocket | { code: number; reason: string }> {
  const s = new TestSocket(`${i.wsUrl}?access_token=${encodeURIComponent(token)}`);
  sockets.push(s);
  const first = await Promise.race([s.next().catch(() => undefined), s.closed]);
  if (first && 'type' in first && first.type === 'CONNECTION_ESTABLISHED') return s;
  return s.closed;
}

/** An established socket (fails the test if refused). */
async function open(i: Instance, token: string): Promise<TestSocket> {
  const s = await attempt(i, token);
  assert.ok(s instanceof TestSocket, `refused: ${JSON.stringify(s)}`);
  return s;
}

const established = (results: Awaited<ReturnType<typeof attempt>>[]) =>
  results.filter((r): r is TestSocket => r instanceof TestSocket);

describe('WS_MAX_SOCKETS_PER_USER on one instance without Redis', () => {
  let scratch: ScratchDatabase;
  let server: Instance;
  before(async () => {
    scratch = await scratchDatabase('sqlite');
    await migrateToHead(scratch);
    server = await startInstance(scratch, { WS_MAX_SOCKETS_PER_USER: '2' });
  });
  after(async () => {
    await server.close();
    await scratch.drop();
  });

  test('past the limit a socket is closed with 1008 and a reason; a closed one frees its place; other users are not counted', async () => {
    const [alice, bob] = [
      await insertUser(server.database, 'alice'),
      await insertUser(server.database, 'bob'),
    ];
    const token = (u: typeof alice) => server.app.tokens.sign(u);
    const first = await open(server, token(alice));
    await open(server, token(alice));
    assert.deepEqual(await attempt(server, token(alice)), REFUSED);
    await open(server, token(bob));
    await first.close();
    assert.ok(await eventually(() => server.app.socketHub.count(alice.id) === 1));
    await open(server, token(alice));
  });

  test('sockets opened at the same moment never exceed the limit', async () => {
    const carol = await insertUser(server.database, 'carol');
    const token = server.app.tokens.sign(carol);
    const results = await Promise.all(Array.from({ length: 6 }, () => attempt(server, token)));
    const opened = established(results);
    assert.equal(opened.length, 2);
    for (const r of results) if (!(r instanceof TestSocket)) assert.deepEqual(r, REFUSED);
  });
});

describe('WS_MAX_SOCKETS_PER_USER across instances sharing Redis', () => {
  let scratch: ScratchDatabase;
  let a: Instance;
  let b: Instance;
  let env: Record<string, string>;
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  const prefix = `expireeye-test-${randomBytes(6).toString('hex')}:`;
  const leases = (userId: string) => `${prefix}ws-sockets:${userId}`;
  before(async () => {
    await redis.connect();
    scratch = await scratchDatabase('postgres');
    await migrateToHead(scratch);
    env = {
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      REDIS_CHANNEL: `${prefix}notifications`,
      WS_MAX_SOCKETS_PER_USER: '2',
    };
    [a, b] = await Promise.all([startInstance(scratch, env), startInstance(scratch, env)]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await scratch.drop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  test('one socket on A and one on B fill the limit on both; closing either frees a place on the other', async () => {
    const dora = await insertUser(a.database, 'dora');
    const token = a.app.tokens.sign(dora);
    await open(a, token);
    const onB = await open(b, token);
    assert.equal(await redis.zcard(leases(dora.id)), 2, 'one lease per open socket');
    assert.deepEqual(await attempt(a, token), REFUSED);
    assert.deepEqual(await attempt(b, token), REFUSED);
    await onB.close();
    assert.ok(
      await eventually(async () => (await redis.zcard(leases(dora.id))) === 1),
      'B gave its lease back',
    );
    await open(a, token);
  });

  test('sockets opened at the same moment on both instances never exceed the limit', async () => {
    const ed = await insertUser(a.database, 'ed');
    const token = a.app.tokens.sign(ed);
    const results = await Promise.all([a, b, a, b, a, b].map((i) => attempt(i, token)));
    const opened = established(results);
    assert.equal(opened.length, 2);
    for (const r of results) if (!(r instanceof TestSocket)) assert.deepEqual(r, REFUSED);
  });

  test('leases of an instance that died without giving them back expire; live ones count', async () => {
    const fay = await insertUser(a.database, 'fay');
    const token = a.app.tokens.sign(fay);
    const [seconds] = await redis.time();
    const now = Number(seconds) * 1000;
    // Two leases a dead instance never renewed, and one a live instance holds.
    await redis.zadd(leases(fay.id), now - 5_000, 'dead:1', now - 1, 'dead:2', now + 60_000, 'live:1');
    await open(a, token);
    assert.deepEqual(await attempt(b, token), REFUSED, 'the live lease and this socket fill the limit');
    const members = await redis.zrange(leases(fay.id), '0', '-1');
    assert.equal(members.length, 2, members.join());
    assert.ok(members.includes('live:1') && !members.some((m) => m.startsWith('dead:')), members.join());
  });

  test('while Redis is unreachable an instance still enforces the limit on its own sockets; the next renewal writes their leases', async () => {
    const gus = await insertUser(a.database, 'gus');
    const token = a.app.tokens.sign(gus);
    const client = b.app.redis!.client;
    client.disconnect();
    await open(b, token);
    await open(b, token);
    assert.deepEqual(await attempt(b, token), REFUSED, 'counted in memory');
    assert.equal(await redis.zcard(leases(gus.id)), 0, 'nothing reached Redis');
    await client.connect().catch(() => undefined);
    await (b.app.socketQuota as RedisSocketQuota).renew();
    assert.equal(await redis.zcard(leases(gus.id)), 2, 'written at the renewal');
    assert.deepEqual(await attempt(a, token), REFUSED, 'and A counts them');
    await Promise.all(sockets.map((s) => s.close()));
    assert.ok(await eventually(async () => (await redis.zcard(leases(gus.id))) === 0));
  });

  test('a socket closed while a renewal is on its way is not written back', async () => {
    const quota = new RedisSocketQuota(b.app.redis!, 5000, { log: { warn: () => undefined } });
    const user = 'renewal-race';
    try {
      // 1,001 leases: the renewal sends two slices, the second after the first has answered.
      const held = [];
      for (let i = 0; i < 1001; i++) held.push(await quota.acquire(user));
      assert.equal(await redis.zcard(leases(user)), 1001);
      const renewal = quota.renew();
      held[1000]?.release(); // its ZREM is queued behind the first slice, before the second
      await renewal;
      assert.equal(await redis.zcard(leases(user)), 1000, 'the closed socket holds no place');
    } finally {
      await quota.close();
    }
    assert.equal(await redis.zcard(leases(user)), 0);
  });

  test('an instance that shuts down gives its leases back, and renews those it keeps', async () => {
    const hal = await insertUser(a.database, 'hal');
    const token = a.app.tokens.sign(hal);
    const c = await startInstance(scratch, env);
    let running = true;
    try {
      await open(c, token);
      await open(c, token);
      const expiries = async () =>
        (await redis.zrange(leases(hal.id), '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2).map(Number);
      const before = await expiries();
      await new Promise((r) => setTimeout(r, 20));
      await (c.app.socketQuota as RedisSocketQuota).renew();
      const renewed = await expiries();
      assert.equal(renewed.length, 2);
      assert.ok(Math.min(...renewed) > Math.max(...before), `leases extended: ${before} → ${renewed}`);
      assert.deepEqual(await attempt(a, token), REFUSED);
      running = false;
      await c.close();
      assert.equal(await redis.zcard(leases(hal.id)), 0, 'released on shutdown, not left to expire');
      await open(a, token);
      await open(b, token);
    } finally {
      if (running) await c.close();
    }
  });
});
