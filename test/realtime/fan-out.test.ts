import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { addDays } from '../../src/db/dates.js';
import { migrateToHead } from '../support/app.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { insertItem, insertProduct, insertUser } from '../support/inventory-rows.js';
import { connected, type Instance, startInstance } from '../support/sockets.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

for (const dialect of DIALECTS) {
  describe(`two instances sharing ${dialect} and Redis`, () => {
    let scratch: ScratchDatabase;
    let a: Instance;
    let b: Instance;
    /** A's error-level log lines. */
    const errorsOnA: string[] = [];
    let env: Record<string, string>;
    before(async () => {
      scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      // A channel of its own: test files run in parallel on the same Redis.
      env = { REDIS_URL, REDIS_CHANNEL: `expireeye-test:${randomBytes(6).toString('hex')}` };
      [a, b] = await Promise.all([startInstance(scratch, env, {}, errorsOnA), startInstance(scratch, env)]);
    });
    // At once on MySQL/PostgreSQL. Two SQLite handles in one process would only stall on each
    // other's (synchronous) busy timeout; separate processes share a file fine (sweep-command test).
    const both = async (run: (i: Instance) => Promise<unknown>) => {
      if (dialect === 'sqlite') for (const i of [a, b]) await run(i);
      else await Promise.all([a, b].map(run));
    };
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await scratch.drop();
    });

    test('a notification created on B reaches the owner on A and on B, each socket once, and nobody else', async () => {
      const alice = await insertUser(a.database, 'alice');
      const bob = await insertUser(a.database, 'bob');
      const p = await insertProduct(a.database, 'Salmon');
      const [onA, onB, bobOnA] = await Promise.all([
        connected(a.wsUrl, a.app.tokens.sign(alice)),
        connected(b.wsUrl, b.app.tokens.sign(alice)),
        connected(a.wsUrl, a.app.tokens.sign(bob)),
      ]);
      await insertItem(a.database, { userId: alice.id, productId: p, expiryDate: '2026-08-01' });
      const result = await b.app.expirySweeper.runOnce(new Date('2026-08-02T06:00:00Z'), { collect: true });
      assert.equal(result.notifications.length, 1);
      for (const s of [onA, onB]) {
        const f = await s.next(1000);
        assert.equal(f.type, 'product_expiration');
        assert.equal(f.id, result.notifications[0]!.id);
        assert.equal(f.message, 'Product Salmon has expired');
      }
      // The next frame each gets is the answer to PING: no duplicate, and nothing for Bob.
      for (const s of [onA, onB, bobOnA]) assert.deepEqual(await s.ask('PING'), { type: 'pong' });
      await Promise.all([onA.close(), onB.close(), bobOnA.close()]);
    });

    test('notifications published while B could not hear Redis reach its open sockets when it can again, once', async () => {
      const fay = await insertUser(a.database, 'fay');
      const p = await insertProduct(a.database, 'Tofu');
      const socket = await connected(b.wsUrl, b.app.tokens.sign(fay));
      // Delivered live before the outage: the catch-up must not send it again.
      // Swept at the real time: the catch-up looks for notifications created since the outage.
      const today = new Date().toISOString().slice(0, 10);
      await insertItem(a.database, { userId: fay.id, productId: p, expiryDate: addDays(today, -3) });
      const first = await a.app.expirySweeper.runOnce(undefined, { collect: true });
      assert.equal((await socket.next(1000)).id, first.notifications[0]!.id);
      // B's subscription drops; the socket stays open. A publishes one notification meanwhile.
      const sub = b.app.redis!.subscriberClient!;
      sub.disconnect();
      assert.ok(await eventually(() => !b.app.redis!.listening));
      await insertItem(a.database, { userId: fay.id, productId: p, expiryDate: addDays(today, -2) });
      const missed = await a.app.expirySweeper.runOnce(undefined, { collect: true });
      assert.equal(missed.notifications.length, 1);
      // And a scan on A: its live push carries the item; the catch-up must too.
      const scan = await fetch(`${a.baseUrl}/api/product/user/add`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.app.tokens.sign(fay)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Tofu', quantity: 3, isScannedProduct: true }),
      });
      assert.equal(scan.status, 200, await scan.clone().text());
      const { itemId } = (await scan.json()) as { itemId: string };
      assert.deepEqual(await socket.ask('PING'), { type: 'pong' }, 'nothing reached B meanwhile');
      await sub.connect();
      const caught = await socket.next(2000);
      assert.equal(caught.type, 'product_expiration');
      assert.equal(caught.id, missed.notifications[0]!.id);
      const scanned = await socket.next(2000);
      assert.equal(scanned.type, 'Product_Scanned');
      assert.equal(scanned.data.itemId, itemId);
      assert.equal(scanned.data.name, 'Tofu');
      assert.equal(scanned.data.quantity, 3);
      assert.equal(typeof scanned.data.nutrition, 'object');
      // Exactly once, and the earlier one was not repeated: the next frame answers PING.
      assert.deepEqual(await socket.ask('PING'), { type: 'pong' });
      await socket.close();
    });

    test("what A could not publish while its own Redis connection was down reaches B's sockets when it is back: notifications and a revocation", async () => {
      const kim = await insertUser(a.database, 'kim');
      const kimToken = a.app.tokens.sign(kim);
      const email = `resend.${dialect}.${randomBytes(4).toString('hex')}@example.com`;
      const signup = await fetch(`${a.baseUrl}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'first-pass' }),
      });
      assert.equal(signup.status, 200, await signup.clone().text());
      const { token: leoToken } = (await signup.json()) as { token: string };
      const [kimOnA, kimOnB, leoOnB] = await Promise.all([
        connected(a.wsUrl, kimToken),
        connected(b.wsUrl, kimToken),
        connected(b.wsUrl, leoToken),
      ]);
      // Only A's command connection drops (an idle timeout, a reset): B's subscriber stays up, so
      // B has no outage of its own to catch up on.
      const client = a.app.redis!.client;
      client.disconnect();
      errorsOnA.length = 0;
      const post = (token: string, path: string, body: unknown) =>
        fetch(`${a.baseUrl}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const scan = await post(kimToken, '/api/product/user/add', {
        name: 'Kale',
        quantity: 1,
        isScannedProduct: true,
      });
      assert.equal(scan.status, 200, await scan.clone().text());
      const { itemId } = (await scan.json()) as { itemId: string };
      assert.equal((await kimOnA.next(1000)).data.itemId, itemId, "A's own socket gets it at once");
      assert.ok(
        errorsOnA.some((l) => l.includes('publishing notifications to Redis failed')),
        'not silently',
      );
      const changed = await post(leoToken, '/api/user/change-password', {
        currentPassword: 'first-pass',
        newPassword: 'second-pass',
      });
      assert.equal(changed.status, 200, await changed.clone().text());
      assert.deepEqual(await kimOnB.ask('PING'), { type: 'pong' }, 'nothing reached B meanwhile');
      assert.deepEqual(await leoOnB.ask('PING'), { type: 'pong' }, 'still open on B meanwhile');

      await client.connect();
      const scanned = await kimOnB.next(2000);
      assert.equal(scanned.type, 'Product_Scanned');
      assert.equal(scanned.data.itemId, itemId);
      assert.deepEqual(await leoOnB.closedWithin(), { code: 1008, reason: 'Access token revoked' });
      // Once each: A's socket, which had it already, is not sent it again.
      for (const s of [kimOnA, kimOnB]) assert.deepEqual(await s.ask('PING'), { type: 'pong' });
      await Promise.all([kimOnA.close(), kimOnB.close()]);
    });

    // A shutdown that waited for the dead peer (ws gives a peer 30 s to answer its close frame)
    // would outlast the test's timeout.
    test('an instance shutting down tells its sockets to go away, without waiting for a dead peer; they reconnect to another and miss nothing', {
      timeout: 15_000,
    }, async () => {
      const nia = await insertUser(a.database, 'nia');
      const token = a.app.tokens.sign(nia);
      const c = await startInstance(scratch, env);
      let running = true;
      try {
        const socket = await connected(c.wsUrl, token);
        // A peer whose network is gone: upgraded, then never answers anything (no close frame).
        const { port } = new URL(c.baseUrl);
        const dead = net.connect(Number(port), '127.0.0.1');
        await once(dead, 'connect');
        dead.write(
          `GET /api/ws/notification?access_token=${token} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n` +
            'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
        assert.match(String((await once(dead, 'data'))[0]), /^HTTP\/1\.1 101 /);
        dead.on('error', () => undefined);
        assert.ok(await eventually(() => c.app.socketHub.count(nia.id) === 2));
        const cutOff = once(dead, 'close');
        running = false;
        await c.close();
        // The server cut the dead peer off: it never answered the close frame.
        await cutOff;
        assert.deepEqual(await socket.closedWithin(), { code: 1001, reason: 'Server shutting down' });
        dead.destroy();
        // While it reconnects, A creates a notification; the socket opened on B gets it first thing.
        const p = await insertProduct(a.database, 'Pears');
        await insertItem(a.database, { userId: nia.id, productId: p, expiryDate: '2026-05-01' });
        const swept = await a.app.expirySweeper.runOnce(new Date('2026-05-02T06:00:00Z'), { collect: true });
        const again = await connected(b.wsUrl, token);
        assert.equal((await again.next(1000)).id, swept.notifications[0]!.id);
        assert.deepEqual(await again.ask('PING'), { type: 'pong' });
        await again.close();
      } finally {
        if (running) await c.close();
      }
    });

    test('done-when: an item added expiring tomorrow is announced as expiring soon, then as expired, once each', async () => {
      const erin = await insertUser(a.database, 'erin');
      const token = a.app.tokens.sign(erin);
      const today = new Date().toISOString().slice(0, 10);
      const add = await fetch(`${a.baseUrl}/api/product/user/add`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Strawberries', quantity: 1, expiryDate: addDays(today, 1) }),
      });
      assert.equal(add.status, 200, await add.clone().text());
      const { itemId } = (await add.json()) as { itemId: string };

      const socket = await connected(b.wsUrl, token);
      await a.app.expirySweeper.runOnce();
      const soon = await socket.next();
      assert.equal(soon.type, 'product_expiring_soon');
      assert.equal(soon.message, 'Product Strawberries expires tomorrow');
      assert.equal(soon.notification.itemId, itemId);
      // Both instances sweep again, the same day and two days on (each once more): one "expired".
      await both((i) => i.app.expirySweeper.runOnce());
      const later = new Date(Date.now() + 2 * 86_400_000);
      await both((i) => i.app.expirySweeper.runOnce(later));
      const expired = await socket.next(1000);
      assert.equal(expired.type, 'product_expiration');
      assert.equal(expired.message, 'Product Strawberries has expired');
      await both((i) => i.app.expirySweeper.runOnce(later));
      assert.deepEqual(await socket.ask('PING'), { type: 'pong' }, 'no third notification');
      await socket.close();
    });

    test('app.publishNotifications from any code path (here: a scan on B) reaches the owner on A, with its data', async () => {
      const frank = await insertUser(a.database, 'frank');
      const socket = await connected(a.wsUrl, a.app.tokens.sign(frank));
      const row = {
        id: '11111111-2222-4333-8444-555555555555',
        user_id: frank.id,
        user_product_id: null,
        type: 'info',
        message: 'Product Scanned successfully',
        product_name: 'Onion',
        expiry_date: null,
        is_read: false,
        created_at: new Date('2026-09-01T10:00:00Z'),
      };
      await b.app.publishNotifications([{ ...row, data: { name: 'Onion', quantity: 1 } }]);
      const f = await socket.next(1000);
      assert.equal(f.type, 'Product_Scanned');
      assert.equal(f.message, 'Product Scanned successfully');
      assert.deepEqual(f.data, { name: 'Onion', quantity: 1 });
      assert.equal(f.notification.type, 'info');
      await socket.close();
    });
  });
}

describe('settings of the live delivery', () => {
  test('the in-server scheduler sweeps every SWEEP_INTERVAL_SECONDS and pushes what it created', async () => {
    const scratch = await scratchDatabase('sqlite');
    await migrateToHead(scratch);
    const server = await startInstance(scratch, {}, { sweepIntervalSeconds: 1 });
    try {
      const gina = await insertUser(server.database, 'gina');
      const p = await insertProduct(server.database, 'Tofu');
      const socket = await connected(server.wsUrl, server.app.tokens.sign(gina));
      await insertItem(server.database, { userId: gina.id, productId: p, expiryDate: '2020-01-01' });
      const f = await socket.next(3000);
      assert.equal(f.message, 'Product Tofu has expired');
      await socket.close();
    } finally {
      await server.close();
      await scratch.drop();
    }
  });

  test('a server whose REDIS_URL cannot be reached refuses to start, naming the setting', async () => {
    const scratch = await scratchDatabase('sqlite');
    await migrateToHead(scratch);
    try {
      await assert.rejects(
        startInstance(scratch, { REDIS_URL: 'redis://127.0.0.1:1' }),
        /cannot reach Redis \(REDIS_URL\)/,
      );
      await assert.rejects(
        startInstance(scratch, { REDIS_URL: 'http://user:pw@example.com' }),
        (e: Error) => {
          assert.match(e.message, /REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
          assert.doesNotMatch(e.message, /pw/);
          return true;
        },
      );
    } finally {
      await scratch.drop();
    }
  });
});
