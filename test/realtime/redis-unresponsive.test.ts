import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RootOperationNode } from 'kysely';
import { Client, migrateToHead, signUp } from '../support/app.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { HeldResult } from '../support/held-result.js';
import { RedisCommandLog } from '../support/redis-commands.js';
import { connected, type Instance, startInstance } from '../support/sockets.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The read, before a kept publish goes out, of which of its notifications are still unread. */
const unreadRead = (node: RootOperationNode) => {
  const text = JSON.stringify(node);
  return node.kind === 'SelectQueryNode' && text.includes('"notifications"') && text.includes('"in"');
};

describe('Redis stops answering (its connections stay open) under instance A; B reaches it directly', () => {
  let scratch: ScratchDatabase;
  let proxy: TcpProxy;
  /** What A sent Redis: what it sent during a stall is passed on (and logged) once it ends. */
  const sent = new RedisCommandLog();
  let a: Instance;
  let b: Instance;
  /** The instances' Redis key prefix and channel (a test's own instance uses them too). */
  let env: Record<string, string>;
  before(async () => {
    scratch = await scratchDatabase('postgres');
    await migrateToHead(scratch);
    const redis = new URL(REDIS_URL);
    proxy = await TcpProxy.start(Number(redis.port || 6379), redis.hostname, sent.tap);
    const prefix = `expireeye-test-${randomBytes(6).toString('hex')}:`;
    env = { REDIS_KEY_PREFIX: prefix, REDIS_CHANNEL: `${prefix}notifications` };
    // A logs the publishes that time out: kept out of the test output.
    a = await startInstance(scratch, { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` }, {}, []);
    b = await startInstance(scratch, { ...env, REDIS_URL });
  });
  after(async () => {
    proxy?.resume();
    await Promise.all([a?.close(), b?.close()]);
    await proxy?.close();
    await scratch.drop();
  });

  test('A keeps serving: sockets open, logins are answered, its own sockets get their notifications; B gets them once A reaches Redis again', async () => {
    const { token } = await signUp(a.baseUrl, 'stall', 'right-password');
    const onB = await connected(b.wsUrl, token);
    proxy.stall();

    // The socket quota asks Redis: once its command times out it answers with A's own count,
    // instead of waiting for ever (the stall lasts until the test ends it).
    const onA = await connected(a.wsUrl, token);
    // From then on A does not ask Redis, until a PING of its own is answered: requests do not wait.
    assert.equal(a.app.redis!.admitCommand(), false, 'A backs off');
    // A rate-limited route (its count, the login-failure count live in Redis) is answered.
    const login = await new Client(a.baseUrl).post('/api/auth/login', {
      email: 'nobody@example.com',
      password: 'wrong-pass',
    });
    assert.equal(login.status, 401, login.text);
    const unsent = a.app.redis!.unsentCount;
    const scan = await new Client(a.baseUrl, token).post('/api/product/user/add', {
      name: 'Leeks',
      quantity: 1,
      isScannedProduct: true,
    });
    assert.equal(scan.status, 200, scan.text);
    const local = await onA.next(3000);
    assert.equal(local.data.itemId, scan.body.itemId, "A's socket is sent it once publishing fails");
    assert.equal(a.app.redis!.unsentCount, unsent + 1, 'and it is kept to be published');

    proxy.resume();
    const remote = await onB.next(3000);
    assert.equal(remote.data.itemId, scan.body.itemId);
    assert.ok(await eventually(() => a.app.redis!.unsentCount === 0, 5000), 'A sent what it kept');
    // Published once, when Redis was back: during the stall it was refused at once, not sent to
    // wait out a timeout (that PUBLISH would have been held by the proxy, and passed on now).
    const publishes = sent.commands.filter(
      (c) => c.name === 'PUBLISH' && c.args[1]?.includes(scan.body.itemId),
    );
    assert.equal(publishes.length, 1, 'PUBLISHes of it');
    // Once each, however many times it went through Redis: the one PUBLISH has arrived (on B), and
    // A's catch-up, were its subscription to have dropped meanwhile, has finished.
    assert.ok(await eventually(() => a.app.redis!.listening && a.app.notificationCatchUps.idle, 10_000));
    for (const s of [onA, onB]) assert.deepEqual(await s.ask('PING'), { type: 'pong' });
    await Promise.all([onA.close(), onB.close()]);
  });

  test('a notification A could not publish and that was read before Redis answered again is not pushed to B as new; an unread one is', async () => {
    const user = await signUp(a.baseUrl, 'reader', 'right-password');
    const onB = await connected(b.wsUrl, user.token);
    proxy.stall();
    // A socket opened on A meanwhile waits out one command timeout (the socket quota), and from then
    // on A refuses to publish at once: nothing is left in the stalled connection to arrive later.
    const onA = await connected(a.wsUrl, user.token);
    assert.equal(a.app.redis!.admitCommand(), false, 'A backs off');
    const added: string[] = [];
    for (const name of ['Chard', 'Fennel']) {
      const scan = await new Client(a.baseUrl, user.token).post('/api/product/user/add', {
        name,
        quantity: 1,
        isScannedProduct: true,
      });
      assert.equal(scan.status, 200, scan.text);
      const local = await onA.next(3000);
      assert.equal(local.data.itemId, scan.body.itemId, "A's own socket has it at once");
      added.push(local.id);
    }
    const [read, unread] = added as [string, string];
    // Read (through B) while A still holds both publishes.
    const marked = await new Client(b.baseUrl, user.token).post(`/api/notification/mark-read/${read}`);
    assert.equal(marked.status, 200, marked.text);
    proxy.resume();
    assert.ok(await eventually(() => a.app.redis!.unsentCount === 0, 5000), 'A sent what it kept');
    assert.equal((await onB.next(3000)).id, unread, 'the unread one reaches B');
    assert.deepEqual(await onB.ask('PING'), { type: 'pong' }, 'and nothing else: not the one read');
    await Promise.all([onA.close(), onB.close()]);
  });

  test('a database that does not answer when A publishes what it kept delays it by seconds, not by a database timeout each', async () => {
    // An instance C beside A, behind the same stalling Redis, whose database answers can be held.
    const gate = new HeldResult();
    const c = await startInstance(
      scratch,
      { ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
      {},
      [],
      gate,
    );
    try {
      const user = await signUp(c.baseUrl, 'patient', 'right-password');
      const onB = await connected(b.wsUrl, user.token);
      proxy.stall();
      const onC = await connected(c.wsUrl, user.token);
      assert.equal(c.app.redis!.admitCommand(), false, 'C backs off');
      const scan = await new Client(c.baseUrl, user.token).post('/api/product/user/add', {
        name: 'Endive',
        quantity: 1,
        isScannedProduct: true,
      });
      assert.equal(scan.status, 200, scan.text);
      const kept = await onC.next(3000);
      // The read of what is still unread, before the kept publish goes out, gets no answer.
      const { reached, release } = gate.holdNext(unreadRead);
      proxy.resume();
      try {
        await reached;
        const started = Date.now();
        assert.equal((await onB.next(6000)).id, kept.id, 'sent as kept once the read took too long');
        assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
      } finally {
        release();
      }
      await Promise.all([onB.close(), onC.close()]);
    } finally {
      await c.close();
    }
  });

  test("A's subscriber notices within seconds that Redis stopped answering, and catches up once it answers", async () => {
    const user = await signUp(b.baseUrl, 'quiet');
    const onA = await connected(a.wsUrl, user.token);
    assert.equal(a.app.redis!.listening, true);
    proxy.stall();
    // Its connection stays open (the proxy's end answers TCP): only the PING it sends goes unanswered.
    assert.ok(await eventually(() => !a.app.redis!.listening, 12_000), 'A stops trusting its subscription');
    // Meanwhile B (which reaches Redis directly) adds a scanned item; A cannot hear its notification.
    const scan = await user.api.post('/api/product/user/add', {
      name: 'Kale',
      quantity: 1,
      isScannedProduct: true,
    });
    assert.equal(scan.status, 200, scan.text);
    proxy.resume();
    assert.ok(await eventually(() => a.app.redis!.listening, 12_000), 'A subscribes again');
    const frame = await onA.next(5000);
    assert.equal(frame.data.itemId, scan.body.itemId, "A's socket gets it after all");
    // Once: the catch-up that sent it has finished.
    assert.ok(await eventually(() => a.app.notificationCatchUps.idle, 10_000), 'A caught up');
    assert.deepEqual(await onA.ask('PING'), { type: 'pong' });
    await onA.close();
  });
});
