import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, migrateToHead, TEST_SECRET } from '../support/app.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { insertItem, insertProduct, insertUser } from '../support/inventory-rows.js';
import { connected, type Instance, startInstance, TestSocket } from '../support/sockets.js';
import { forgeToken, inOneHour } from '../support/tokens.js';

for (const dialect of DIALECTS) {
  describe(`notification WebSocket on ${dialect} (one instance, in-process delivery)`, () => {
    let scratch: ScratchDatabase;
    let server: Instance;
    const errorLines: string[] = [];
    before(async () => {
      scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      server = await startInstance(scratch, { WS_HEARTBEAT_SECONDS: '1' }, {}, errorLines);
    });
    after(async () => {
      await server.close();
      await scratch.drop();
    });

    const token = (user: { id: string; email: string }) => server.app.tokens.sign(user);

    test('a plain HTTP GET (no Upgrade) is 426 Upgrade Required with Upgrade: websocket (it was an empty 404)', async () => {
      const alice = await insertUser(server.database, 'alice');
      for (const api of [new Client(server.baseUrl), new Client(server.baseUrl, token(alice))]) {
        const res = await api.get('/api/ws/notification');
        assert.equal(res.status, 426);
        assert.equal(res.headers.get('upgrade'), 'websocket');
        assert.match(res.body.detail, /WebSocket/);
        assert.equal(Object.keys(res.body).length, 1);
      }
      const head = await fetch(`${server.baseUrl}/api/ws/notification`, { method: 'HEAD' });
      assert.equal(head.status, 426);
      assert.equal((await new Client(server.baseUrl).post('/api/ws/notification', {})).status, 405);
      // The WebSocket itself still connects (`connected` waits for CONNECTION_ESTABLISHED).
      const s = await connected(server.wsUrl, token(alice));
      await s.close();
    });

    test('a frame over the size limit closes the socket with 1009; a client error, not logged as a server one', async () => {
      const alice = await insertUser(server.database, 'alice');
      const s = await connected(server.wsUrl, token(alice));
      errorLines.length = 0;
      s.send('x'.repeat(5000));
      assert.equal((await s.closedWithin()).code, 1009);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(errorLines, []);
    });

    test('connect: the original CONNECTION_ESTABLISHED frame; PING → pong; anything else → an error frame, never a close', async () => {
      const alice = await insertUser(server.database, 'alice');
      const s = new TestSocket(`${server.wsUrl}?access_token=${token(alice)}`);
      await s.opened;
      assert.deepEqual(await s.next(), {
        type: 'CONNECTION_ESTABLISHED',
        message: 'Notification WebSocket connected',
        userId: alice.id,
      });
      assert.deepEqual(await s.ask('PING'), { type: 'pong' });
      assert.deepEqual(await s.ask('{"action":"ping"}'), { type: 'pong' });
      for (const bad of [
        'hello',
        '[1,2]',
        '"just a json string"',
        '{"action":"noop"}',
        '{"action":"mark_read"}',
        'null',
        '',
      ]) {
        const reply = await s.ask(bad);
        assert.equal(reply.type, 'error', `reply to ${bad}`);
        assert.equal(typeof reply.message, 'string');
      }
      s.send(Buffer.from([0xff, 0x00]));
      assert.equal((await s.next()).type, 'error');
      assert.deepEqual(await s.ask('PING'), { type: 'pong' }, 'still open and answering');
      await s.close();
    });

    test('a missing, forged, expired, foreign or revoked token, or a deleted user: closed with 1008 and a reason', async () => {
      const alice = await insertUser(server.database, 'alice');
      // Carol changed her password twice: tokens of versions 0 and 1 are revoked.
      const carol = await insertUser(server.database, 'carol');
      await server.database.db
        .updateTable('users')
        .set({ token_version: 2 })
        .where('id', '=', carol.id)
        .execute();
      const carolToken = (ver?: number) =>
        forgeToken({ userId: carol.id, email: carol.email, exp: inOneHour(), ver }, { secret: TEST_SECRET });
      const cases: [string, string][] = [
        ['', 'Missing access token'],
        ['?access_token=garbage', 'Invalid or expired access token'],
        [
          `?access_token=${forgeToken({ userId: alice.id, email: alice.email, exp: inOneHour() }, { secret: 'other' })}`,
          'Invalid or expired access token',
        ],
        [
          `?access_token=${forgeToken({ userId: alice.id, email: alice.email, exp: 1000 }, { secret: TEST_SECRET })}`,
          'Invalid or expired access token',
        ],
        [
          `?access_token=${forgeToken({ userId: alice.id, email: alice.email, exp: inOneHour() }, { alg: 'none' })}`,
          'Invalid or expired access token',
        ],
        [
          `?access_token=${forgeToken({ userId: 'no-such-user', email: 'x@y.z', exp: inOneHour() }, { secret: TEST_SECRET })}`,
          'Invalid or expired access token',
        ],
        [`?access_token=${carolToken()}`, 'Invalid or expired access token'],
        [`?access_token=${carolToken(1)}`, 'Invalid or expired access token'],
      ];
      for (const [query, reason] of cases) {
        const s = new TestSocket(`${server.wsUrl}${query}`);
        const closed = await s.closed;
        assert.deepEqual(closed, { code: 1008, reason }, query);
        assert.ok(!s.frames.some((f) => f?.type === 'CONNECTION_ESTABLISHED'), 'no hello before the refusal');
      }
      // Her current version is accepted.
      const current = new TestSocket(`${server.wsUrl}?access_token=${carolToken(2)}`);
      assert.equal((await current.next()).type, 'CONNECTION_ESTABLISHED');
      await current.close();
    });

    test('the token may come in the Authorization header or as a subprotocol', async () => {
      const alice = await insertUser(server.database, 'alice');
      const viaHeader = new TestSocket(server.wsUrl, {
        headers: { authorization: `Bearer ${token(alice)}` },
      });
      assert.equal((await viaHeader.next()).userId, alice.id);
      const viaProtocol = new TestSocket(server.wsUrl, { protocols: ['bearer', token(alice)] });
      assert.equal((await viaProtocol.next()).userId, alice.id);
      assert.equal(
        viaProtocol.ws.protocol,
        'bearer',
        'the server picks the non-token protocol, as browsers require',
      );
      await Promise.all([viaHeader.close(), viaProtocol.close()]);
    });

    test('every socket of the owner gets each new notification; another user never sees it', async () => {
      const alice = await insertUser(server.database, 'alice');
      const bob = await insertUser(server.database, 'bob');
      const milk = await insertProduct(server.database, 'Milk');
      const [a1, a2, b1] = await Promise.all([
        connected(server.wsUrl, token(alice)),
        connected(server.wsUrl, token(alice)),
        connected(server.wsUrl, token(bob)),
      ]);
      const item = await insertItem(server.database, {
        userId: alice.id,
        productId: milk,
        expiryDate: '2026-06-01',
      });
      const result = await server.app.expirySweeper.runOnce(new Date('2026-06-02T08:00:00Z'), {
        collect: true,
      });
      assert.equal(result.notifications.length, 1);
      const id = result.notifications[0]!.id;
      for (const s of [a1, a2]) {
        assert.deepEqual(await s.next(), {
          type: 'product_expiration',
          id,
          message: 'Product Milk has expired',
          productName: 'Milk',
          expiryDate: '2026-06-01',
          timestamp: '2026-06-02T08:00:00.000Z',
          notification: {
            id,
            type: 'warning',
            message: 'Product Milk has expired',
            productName: 'Milk',
            itemId: item,
            expiryDate: '2026-06-01',
            createdAt: '2026-06-02T08:00:00.000Z',
            isRead: false,
          },
        });
      }
      // Bob's next frame is the answer to his PING: nothing of Alice's was queued before it.
      assert.deepEqual(await b1.ask('PING'), { type: 'pong' });
      // Bob cannot mark Alice's notification read: it is "not found", and stays unread.
      assert.deepEqual(await b1.ask(JSON.stringify({ action: 'mark_read', id })), {
        type: 'error',
        message: 'Notification not found',
        id,
      });
      const row = await server.database.db
        .selectFrom('notifications')
        .select('is_read')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.is_read, false);
      await Promise.all([a1.close(), a2.close(), b1.close()]);
    });

    test('a (re)connecting socket first gets the unread notifications it missed, oldest first; mark_read sticks', async () => {
      const carol = await insertUser(server.database, 'carol');
      const p = await insertProduct(server.database, 'Spinach');
      await insertItem(server.database, { userId: carol.id, productId: p, expiryDate: '2026-07-01' });
      await insertItem(server.database, { userId: carol.id, productId: p, expiryDate: '2026-07-03' });
      // Nobody connected: stored, not lost.
      const first = await server.app.expirySweeper.runOnce(new Date('2026-07-02T08:00:00Z'), {
        collect: true,
      });
      const later = await server.app.expirySweeper.runOnce(new Date('2026-07-04T08:00:00Z'), {
        collect: true,
      });
      assert.deepEqual(first.notifications.map((n) => n.type).sort(), ['expiring_soon', 'warning']);
      assert.deepEqual(
        later.notifications.map((n) => n.type),
        ['warning'],
      );

      const s = await connected(server.wsUrl, token(carol));
      const missed = await s.take(3);
      assert.deepEqual(
        new Set(missed.map((f) => f.id)),
        new Set([...first.notifications, ...later.notifications].map((n) => n.id)),
      );
      assert.equal(missed[2].id, later.notifications[0]!.id, 'oldest first');
      const reply = await s.ask(JSON.stringify({ action: 'mark_read', id: missed[0].id }));
      assert.deepEqual(reply, {
        type: 'mark_read',
        id: missed[0].id,
        message: 'Notification marked as read',
      });
      await s.close();

      const again = await connected(server.wsUrl, token(carol));
      const backlog = await again.take(2);
      assert.deepEqual(
        backlog.map((f) => f.id),
        missed.slice(1).map((f) => f.id),
      );
      assert.deepEqual(await again.ask('{"action":"mark_all_read"}'), {
        type: 'mark_all_read',
        updated: 2,
        message: 'All notifications marked as read',
      });
      await again.close();
      const third = await connected(server.wsUrl, token(carol));
      assert.deepEqual(await third.ask('PING'), { type: 'pong' }, 'nothing unread left to replay');
      await third.close();
    });

    test("an open socket ends with its token: on expiry, on a password change, on account deletion; a current token's socket stays", async () => {
      const email = `sessions.${dialect}.${process.pid}@example.com`;
      const signup = await new Client(server.baseUrl).post('/api/auth/signup', {
        email,
        password: 'first-pass',
      });
      assert.equal(signup.status, 200, signup.text);
      const { userId, token: first } = signup.body;
      const [phone, laptop] = [await connected(server.wsUrl, first), await connected(server.wsUrl, first)];
      const changed = await new Client(server.baseUrl, first).post('/api/user/change-password', {
        currentPassword: 'first-pass',
        newPassword: 'second-pass',
      });
      assert.equal(changed.status, 200, changed.text);
      const revoked = { code: 1008, reason: 'Access token revoked' };
      assert.deepEqual(await phone.closedWithin(), revoked);
      assert.deepEqual(await laptop.closedWithin(), revoked);
      const second: string = changed.body.token;
      const current = await connected(server.wsUrl, second);

      // A token that expires in two seconds: the heartbeat (every second here) closes its socket.
      const shortLived = forgeToken(
        { userId, email, ver: 1, exp: Math.floor(Date.now() / 1000) + 2 },
        { secret: TEST_SECRET },
      );
      const brief = await connected(server.wsUrl, shortLived);
      assert.deepEqual(await brief.closedWithin(), { code: 1008, reason: 'Access token expired' });
      assert.deepEqual(
        await current.ask('PING'),
        { type: 'pong' },
        "the current token's socket is still open",
      );

      const deleted = await new Client(server.baseUrl, second).post('/api/user/delete-account', {
        password: 'second-pass',
      });
      assert.equal(deleted.status, 200, deleted.text);
      assert.deepEqual(await current.closedWithin(), revoked);
      assert.equal(server.app.socketHub.count(userId), 0);
    });

    // The dead peer never answers: it is closed by the heartbeat or not at all (the test times out).
    test('heartbeat: a peer that stops answering pings is dropped; a live one stays', {
      timeout: 20_000,
    }, async () => {
      const dan = await insertUser(server.database, 'dan');
      const dead = new TestSocket(`${server.wsUrl}?access_token=${token(dan)}`, { autoPong: false });
      const live = await connected(server.wsUrl, token(dan));
      await dead.opened;
      const closed = await dead.closed;
      assert.equal(closed.code, 1006, 'terminated without a close frame');
      // The server's side of the terminated socket is unregistered as soon as its close event runs.
      await eventually(() => server.app.socketHub.count(dan.id) === 1);
      assert.equal(server.app.socketHub.count(dan.id), 1);
      assert.deepEqual(await live.ask('PING'), { type: 'pong' });
      await live.close();
    });
  });
}
