import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/app/build-app.js';
import { Client, testConfig } from '../support/app.js';
import { APP_MIGRATIONS } from '../support/engine.js';
import { eventually } from '../support/eventually.js';
import { insertUser } from '../support/inventory-rows.js';
import { proxiedDatabase } from '../support/proxied-database.js';
import { connected } from '../support/sockets.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// After a Redis outage the instance catches its sockets up from the database. When the database
// does not answer then, the sockets must not be left without what they missed: they are told to
// resync, and the client's fetch (once the database is back) gets it.
describe('a catch-up the database does not answer', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: the socket is sent resync, and fetching then gets the notification it missed`, async () => {
      const proxied = await proxiedDatabase(dialect);
      const { scratch, proxy: dbProxy, database, direct } = proxied;
      const prefix = `expireeye-test-${randomBytes(6).toString('hex')}:`;
      const errorLines: string[] = [];
      const app = await buildApp({
        config: testConfig(scratch),
        database,
        logger: { level: 'error', stream: { write: (line: string) => errorLines.push(line) } },
        env: {
          ...process.env,
          EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS,
          REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          REDIS_CHANNEL: `${prefix}notifications`,
        },
      });
      try {
        await app.listen({ host: '127.0.0.1', port: 0 });
        const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
        const user = await insertUser(direct, 'fay');
        const token = app.tokens.sign(user);
        const socket = await connected(`${base.replace('http', 'ws')}/api/ws/notification`, token);
        assert.deepEqual(await socket.ask('PING'), { type: 'pong' });

        // The subscription drops; meanwhile another instance (here: directly) stores a
        // notification whose publication this instance does not hear.
        const sub = app.redis!.subscriberClient!;
        sub.disconnect();
        assert.ok(await eventually(() => !app.redis!.listening));
        const missed = randomUUID();
        await direct.db
          .insertInto('notifications')
          .values({
            id: missed,
            user_id: user.id,
            user_product_id: null,
            type: 'warning',
            message: 'Product Missed tea has expired',
            product_name: 'Missed tea',
            expiry_date: '2020-01-01',
            is_read: false,
            created_at: new Date(),
          })
          .execute();

        // The subscription is back while the database does not answer: the catch-up's read times out.
        dbProxy.stall();
        await sub.connect();
        const [frame] = await socket.take(1, 15_000);
        assert.equal(frame.type, 'resync', JSON.stringify(frame));
        assert.ok(
          errorLines.some((l) => l.includes('the sockets left were sent resync')),
          errorLines.join('\n'),
        );

        dbProxy.resume();
        // What a client does on resync: fetch. It gets the notification the catch-up could not send.
        const list = await new Client(base, token).get('/api/notification/list?unread=true');
        assert.equal(list.status, 200, list.text);
        assert.ok(
          list.body.notifications.some((n: { id: string }) => n.id === missed),
          JSON.stringify(list.body),
        );
        await socket.close();
      } finally {
        dbProxy.resume();
        await app.close();
        await proxied.close();
      }
    });
  }
});
