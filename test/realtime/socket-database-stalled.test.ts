import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app/build-app.js';
import type { AppDatabase } from '../../src/db/database.js';
import { NOTIFICATION_COLUMNS } from '../../src/features/notifications/notification-events.js';
import { Client, testConfig } from '../support/app.js';
import { APP_MIGRATIONS } from '../support/engine.js';
import { insertUser } from '../support/inventory-rows.js';
import { proxiedDatabase } from '../support/proxied-database.js';
import { connected } from '../support/sockets.js';
import type { TcpProxy } from '../support/tcp-proxy.js';

/**
 * A server whose database is behind a proxy the test can stall (1 s bound on its waits), with a
 * direct connection for the test's own rows.
 */
async function withProxiedApp(
  dialect: 'mysql' | 'postgres',
  body: (s: {
    app: FastifyInstance;
    base: string;
    wsUrl: string;
    dbProxy: TcpProxy;
    direct: AppDatabase;
  }) => Promise<void>,
): Promise<void> {
  const proxied = await proxiedDatabase(dialect);
  const { scratch, proxy: dbProxy, database, direct } = proxied;
  const app = await buildApp({
    config: testConfig(scratch),
    database,
    logger: false,
    env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await body({ app, base, wsUrl: `${base.replace('http', 'ws')}/api/ws/notification`, dbProxy, direct });
  } finally {
    dbProxy.resume();
    await app.close();
    await proxied.close();
  }
}

// A socket command the database cannot serve is answered as the HTTP API's 503 is: why, and that
// trying again shortly can help — and the socket stays open for when it is back.
describe('a socket command while the database does not answer', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: mark_all_read gets the 503's reason in its error frame; once the database is back it works`, async () => {
      await withProxiedApp(dialect, async ({ app, wsUrl, dbProxy, direct }) => {
        const user = await insertUser(direct, 'gus');
        const socket = await connected(wsUrl, app.tokens.sign(user));
        // Answered once the connect's backlog has been read (the socket handles messages after it).
        assert.deepEqual(await socket.ask('PING'), { type: 'pong' });
        dbProxy.stall();
        const failed = await socket.ask(JSON.stringify({ action: 'mark_all_read' }));
        assert.deepEqual(failed, {
          type: 'error',
          message: 'The database did not answer in time; try again shortly',
        });
        dbProxy.resume();
        const done = await socket.ask(JSON.stringify({ action: 'mark_all_read' }));
        assert.equal(done.type, 'mark_all_read', JSON.stringify(done));
        await socket.close();
      });
    });
  }
});

/** Stores an unread notification of `userId` (as another instance would) and returns its row. */
async function storeNotification(direct: AppDatabase, userId: string, product: string) {
  const id = randomUUID();
  await direct.db
    .insertInto('notifications')
    .values({
      id,
      user_id: userId,
      user_product_id: null,
      type: 'warning',
      message: `Product ${product} has expired`,
      product_name: product,
      expiry_date: '2020-01-01',
      is_read: false,
      created_at: new Date(),
    })
    .execute();
  return direct.db
    .selectFrom('notifications')
    .select(NOTIFICATION_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

// A socket is registered before its backlog is read, so that nothing created in between is
// missed; a notification created in that window is then both delivered live (held until the
// backlog has gone) and in the backlog. It must reach the client once.
describe('a notification created while a socket reads its backlog', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: arrives once, after the older backlog, though it was both held and in the backlog`, async () => {
      await withProxiedApp(dialect, async ({ app, base, wsUrl, dbProxy, direct }) => {
        const user = await insertUser(direct, 'hal');
        const token = app.tokens.sign(user);
        const older = await storeNotification(direct, user.id, 'Old milk');
        // The token's version is cached now: opening the socket needs no query before the backlog.
        assert.equal((await new Client(base, token).get('/api/user/profile')).status, 200);

        // The backlog's read is held at the network until `resume`: it runs after what follows.
        dbProxy.stall();
        const socket = await connected(wsUrl, token);
        // Registered (CONNECTION_ESTABLISHED came), backlog not read yet: a notification is stored
        // and announced, as another instance or the sweep would.
        const fresh = await storeNotification(direct, user.id, 'New bread');
        await app.publishNotifications([fresh]);
        dbProxy.resume();

        // Messages are answered after the backlog and what was held: all they sent comes before the pong.
        socket.send('PING');
        const frames: { id?: string; type: string }[] = [];
        do frames.push(await socket.next(5000));
        while (frames.at(-1)?.type !== 'pong');
        assert.deepEqual(
          frames.map((f) => f.id ?? f.type),
          [older.id, fresh.id, 'pong'],
        );
        await socket.close();
      });
    });
  }
});
