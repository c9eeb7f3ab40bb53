import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { AppDatabase } from '../../src/db/database.js';
import type { NotificationRow } from '../../src/features/notifications/notification-events.js';
import { migrateToHead } from '../support/app.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { insertUser } from '../support/inventory-rows.js';
import { connected, type Instance, startInstance, type TestSocket } from '../support/sockets.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** `n` unread notifications of `userId` stored at once (as a sweep's chunk commits them). */
async function storeNotifications(
  database: AppDatabase,
  userId: string,
  n: number,
  createdAt: (i: number) => Date = () => new Date(),
): Promise<NotificationRow[]> {
  const rows: NotificationRow[] = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    user_id: userId,
    user_product_id: null,
    type: 'warning',
    message: `Product Stored ${i} has expired`,
    product_name: `Stored ${i}`,
    expiry_date: '2020-01-01',
    is_read: false,
    created_at: createdAt(i),
  }));
  for (let i = 0; i < rows.length; i += 500) {
    await database.db
      .insertInto('notifications')
      .values(rows.slice(i, i + 500))
      .execute();
  }
  return rows;
}

/** The ids of the next `n` frames, which must all be notifications. */
async function notificationIds(socket: TestSocket, n: number): Promise<string[]> {
  const frames = await socket.take(n, 5000);
  for (const f of frames) assert.equal(f.type, 'product_expiration', JSON.stringify(f));
  return frames.map((f) => f.id as string);
}

/** Nothing else is queued for the socket: the next frame answers PING. */
async function nothingMore(socket: TestSocket, why: string): Promise<void> {
  assert.deepEqual(await socket.ask('PING'), { type: 'pong' }, why);
}

for (const dialect of DIALECTS) {
  describe(`Redis outages with two instances on ${dialect}: every notification reaches every socket once`, () => {
    let scratch: ScratchDatabase;
    let proxy: TcpProxy;
    let a: Instance;
    let b: Instance;
    before(async () => {
      scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      const redis = new URL(REDIS_URL);
      proxy = await TcpProxy.start(Number(redis.port || 6379), redis.hostname);
      const prefix = `expireeye-test-${randomBytes(6).toString('hex')}:`;
      const env = {
        REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        REDIS_KEY_PREFIX: prefix,
        REDIS_CHANNEL: `${prefix}notifications`,
        // B sends two unread notifications on connect: the catch-up must not send the older ones.
        WS_BACKLOG_LIMIT: '2',
      };
      // Their error lines (publishing failed) are kept out of the test output.
      a = await startInstance(scratch, env, {}, []);
      b = await startInstance(scratch, env, {}, []);
    });
    after(async () => {
      proxy?.restore();
      await Promise.all([a?.close(), b?.close()]);
      await proxy?.close();
      await scratch.drop();
    });

    /**
     * B's subscription drops (the socket stays open) while `meanwhile` runs, then comes back; returns
     * once B's catch-up has finished: what it sends is then on its way, and nothing more will be.
     */
    async function whileBIsDeaf(meanwhile: () => Promise<void>): Promise<void> {
      const sub = b.app.redis!.subscriberClient!;
      sub.disconnect();
      assert.ok(await eventually(() => !b.app.redis!.listening));
      await meanwhile();
      await sub.connect();
      assert.ok(await eventually(() => b.app.notificationCatchUps.idle, 10_000), 'B caught up');
    }

    test('Redis gone and back: 150 notifications published on A meanwhile reach the sockets on A and on B once each, nobody else', async () => {
      const alice = await insertUser(a.database, 'alice');
      const bob = await insertUser(a.database, 'bob');
      const [onA, onB, bobOnB] = await Promise.all([
        connected(a.wsUrl, a.app.tokens.sign(alice)),
        connected(b.wsUrl, b.app.tokens.sign(alice)),
        connected(b.wsUrl, b.app.tokens.sign(bob)),
      ]);
      for (const s of [onA, onB, bobOnB]) await nothingMore(s, 'the backlog (none) is over');
      proxy.cut();
      assert.ok(await eventually(() => !a.app.redis!.listening && !b.app.redis!.listening));
      const rows = await storeNotifications(a.database, alice.id, 150);
      await a.app.publishNotifications(rows);
      // A could not publish: its own socket gets them at once; they are kept to be published.
      assert.deepEqual(
        await notificationIds(onA, 150),
        rows.map((r) => r.id),
      );
      assert.equal(a.app.redis!.unsentCount, 1);
      await nothingMore(onB, 'B cannot hear A meanwhile');

      proxy.restore();
      // Both catch up (their subscriptions dropped) and A publishes what it kept: B gets each once.
      assert.ok(
        await eventually(
          () =>
            a.app.redis!.listening &&
            b.app.redis!.listening &&
            a.app.redis!.unsentCount === 0 &&
            a.app.notificationCatchUps.idle &&
            b.app.notificationCatchUps.idle,
          10_000,
        ),
      );
      assert.deepEqual(
        new Set(await notificationIds(onB, 150)),
        new Set(rows.map((r) => r.id)),
        'each of the 150 on B',
      );
      // The catch-ups have finished: what they sent came before the PING's answer. A copy of what A
      // published when Redis was back would come before the next notification (one channel, in order).
      await nothingMore(onA, 'nothing twice on A');
      await nothingMore(onB, 'nothing twice on B');
      await nothingMore(bobOnB, "nothing of Alice's for Bob");

      // And live delivery goes on, once.
      const [next] = await storeNotifications(a.database, alice.id, 1);
      await a.app.publishNotifications([next!]);
      for (const s of [onA, onB]) assert.deepEqual(await notificationIds(s, 1), [next!.id], 'nothing twice');
      for (const s of [onA, onB]) await nothingMore(s, 'once');
      await Promise.all([onA.close(), onB.close(), bobOnB.close()]);
    });

    test("a sweep's notification committed during B's outage reaches B's socket however old its created_at (the sweep's start); what the backlog left out does not", async () => {
      const cy = await insertUser(a.database, 'cy');
      const hour = 3600_000;
      const t = Date.now();
      // Three unread before the socket opens: the backlog (limit 2) sends the two newest.
      const old = await storeNotifications(a.database, cy.id, 3, (i) => new Date(t - (3 - i) * hour));
      const socket = await connected(b.wsUrl, b.app.tokens.sign(cy));
      assert.deepEqual(await notificationIds(socket, 2), [old[1]!.id, old[2]!.id]);
      let late: NotificationRow[] = [];
      await whileBIsDeaf(async () => {
        // A sweep that started 90 minutes ago commits now (lock waits, many chunks) and publishes.
        late = await storeNotifications(a.database, cy.id, 1, () => new Date(t - 1.5 * hour));
        await a.app.publishNotifications(late);
        await nothingMore(socket, 'nothing reached B meanwhile');
      });
      assert.deepEqual(await notificationIds(socket, 1), [late[0]!.id]);
      await nothingMore(socket, 'the oldest, never sent on connect, is not sent now; the rest not again');
      await socket.close();
    });

    test('a socket that forgot what it was sent is told to resync once, not after every later outage', async () => {
      const ed = await insertUser(a.database, 'ed');
      const socket = await connected(b.wsUrl, b.app.tokens.sign(ed));
      // Its (empty) backlog is sent before the notifications are stored: a backlog read that saw them
      // would send the newest two first, and with a memory of 3 the live copies that follow would
      // find them forgotten and send them again (CI saw a sixth frame where the resync belongs).
      await nothingMore(socket, 'the backlog is over');
      // The hub remembers backlog + 10,000 ids per socket; this one remembers 3, to overflow it.
      const hub = b.app.socketHub as unknown as { seenLimit: number };
      const limit = hub.seenLimit;
      hub.seenLimit = 3;
      try {
        const rows = await storeNotifications(a.database, ed.id, 5);
        await a.app.publishNotifications(rows);
        assert.deepEqual(
          await notificationIds(socket, 5),
          rows.map((r) => r.id),
        );
        await whileBIsDeaf(async () => {});
        const [resync] = await socket.take(1, 5000);
        assert.equal(resync.type, 'resync', JSON.stringify(resync));
        // Live delivery goes on; the next outage has nothing to catch up, and says nothing.
        const [next] = await storeNotifications(a.database, ed.id, 1);
        await a.app.publishNotifications([next!]);
        assert.deepEqual(await notificationIds(socket, 1), [next!.id]);
        await whileBIsDeaf(async () => {});
        await nothingMore(socket, 'no second resync');
      } finally {
        hub.seenLimit = limit;
        await socket.close();
      }
    });

    test('a catch-up of 1,200 notifications sends them all, oldest first, once each', async () => {
      const di = await insertUser(a.database, 'di');
      const socket = await connected(b.wsUrl, b.app.tokens.sign(di));
      await nothingMore(socket, 'the backlog (none) is over before the outage');
      const t = Date.now();
      let rows: NotificationRow[] = [];
      await whileBIsDeaf(async () => {
        rows = await storeNotifications(a.database, di.id, 1200, (i) => new Date(t + i));
        await a.app.publishNotifications(rows);
      });
      assert.deepEqual(
        await notificationIds(socket, 1200),
        rows.map((r) => r.id),
      );
      await nothingMore(socket, 'none twice');
      await socket.close();
    });
  });
}
