import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { openDatabase } from '../../src/db/database.js';
import { addDays, todayUtc } from '../../src/db/dates.js';
import { parseDatabaseUrl } from '../../src/migrate/index.js';
import { migrateToHead } from '../support/app.js';
import { cli } from '../support/cli.js';
import { DIALECTS, scratchDatabase } from '../support/databases.js';
import { insertItems, insertProduct, insertUser } from '../support/inventory-rows.js';
import { PrivateRedis, sparePort } from '../support/redis-server.js';
import { connected, startInstance } from '../support/sockets.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

for (const dialect of DIALECTS) {
  describe(`expireeye sweep on ${dialect}`, () => {
    test('three processes at once: each item notified once per kind, and each pushed once to a running server', async () => {
      const scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      const channel = `expireeye-test:${randomBytes(6).toString('hex')}`;
      const server = await startInstance(scratch, { REDIS_URL, REDIS_CHANNEL: channel });
      try {
        const db = server.database.db;
        const owner = await insertUser(server.database, 'owner');
        const p = await insertProduct(server.database, 'Lettuce');
        const today = todayUtc();
        // 120 past their date, 30 in the warning window (today … today+2), 30 beyond it.
        await insertItems(server.database, {
          userId: owner.id,
          productId: p,
          count: 180,
          expiryDate: (i) => (i < 120 ? addDays(today, -1 - (i % 40)) : addDays(today, (i - 120) % 6)),
        });
        const socket = await connected(server.wsUrl, server.app.tokens.sign(owner));

        // Chunks of 25: on SQLite (no lock) the three processes interleave chunk by chunk.
        const env = { DATABASE_URL: scratch.url, REDIS_URL, REDIS_CHANNEL: channel, SWEEP_CHUNK_SIZE: '25' };
        const runs = await Promise.all([1, 2, 3].map(() => cli(['sweep', '--json'], env)));
        for (const r of runs) assert.equal(r.code, 0, r.stderr);
        const outs = runs.map((r) => JSON.parse(r.stdout));
        const sum = (k: string) => outs.reduce((s, o) => s + o[k], 0);
        assert.equal(sum('expired'), 120);
        assert.equal(sum('expiredNotifications'), 120);
        assert.equal(sum('expiringSoonNotifications'), 30);
        assert.ok(outs.every((o) => o.today === today && o.published === 'redis'));
        // 120 to expire and 30 to warn, in chunks of at most 25, all told.
        assert.ok(sum('chunks') >= 5 + 2, `${sum('chunks')} chunks`);

        const perItem = await db
          .selectFrom('notifications')
          .select(['user_product_id', 'type', (eb) => eb.fn.countAll<number>().as('c')])
          .groupBy(['user_product_id', 'type'])
          .execute();
        assert.equal(perItem.length, 150);
        assert.ok(perItem.every((r) => Number(r.c) === 1));

        // The running server's socket got all 150, none twice.
        const frames = await socket.take(150, 5000);
        assert.equal(new Set(frames.map((f) => f.id)).size, 150);
        assert.deepEqual(await socket.ask('PING'), { type: 'pong' });
        await socket.close();

        const again = await cli(['sweep'], env);
        assert.equal(again.code, 0, again.stderr);
        assert.match(
          again.stdout,
          /^Swept for \d{4}-\d\d-\d\d \(UTC\) in \d+ ms: 0 item\(s\) marked expired, 0 "expired" and 0 "expiring soon" notification\(s\) created\.\n$/,
        );
      } finally {
        await server.close();
        await scratch.drop();
      }
    });

    test('Redis that stops taking messages during the run: the notifications are stored, the run says so, exit 1', async () => {
      const scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      const redis = await PrivateRedis.start();
      const admin = new Redis(redis.url);
      try {
        const database = await openDatabase(parseDatabaseUrl(scratch.url), { poolSize: 1 });
        try {
          const owner = await insertUser(database, 'owner');
          const p = await insertProduct(database, 'Turnip');
          await insertItems(database, {
            userId: owner.id,
            productId: p,
            count: 2,
            expiryDate: () => addDays(todayUtc(), -1),
          });
          // Connections and reads are answered, PUBLISH waits: as a Redis that stopped mid-run.
          await admin.call('CLIENT', 'PAUSE', '5000', 'WRITE');
          const r = await cli(['sweep', '--json'], { DATABASE_URL: scratch.url, REDIS_URL: redis.url });
          assert.equal(r.code, 1, r.stdout + r.stderr);
          assert.match(
            r.stderr,
            /expireeye sweep: \d+ message\(s\) could not be pushed \(Redis stopped answering\); the notifications are stored/,
          );
          const stored = await database.db.selectFrom('notifications').select('id').execute();
          assert.equal(stored.length, 2);
        } finally {
          await database.destroy();
        }
      } finally {
        admin.disconnect();
        await redis.close();
        await scratch.drop();
      }
    });

    test('REDIS_URL set but unreachable: one line naming it, exit 1, nothing swept; the next run (Redis back) sweeps and pushes', async () => {
      const scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      const channel = `expireeye-test:${randomBytes(6).toString('hex')}`;
      const server = await startInstance(scratch, { REDIS_URL, REDIS_CHANNEL: channel });
      try {
        const owner = await insertUser(server.database, 'owner');
        const p = await insertProduct(server.database, 'Radish');
        const [item] = await insertItems(server.database, {
          userId: owner.id,
          productId: p,
          count: 1,
          expiryDate: () => addDays(todayUtc(), -1),
        });
        const socket = await connected(server.wsUrl, server.app.tokens.sign(owner));

        const down = await cli(['sweep', '--json'], {
          DATABASE_URL: scratch.url,
          REDIS_URL: `redis://127.0.0.1:${await sparePort()}`,
          REDIS_CHANNEL: channel,
        });
        assert.equal(down.code, 1, down.stdout);
        assert.equal(down.stdout, '');
        assert.match(
          down.stderr,
          /^expireeye sweep: cannot reach Redis \(REDIS_URL\): .*ECONNREFUSED.*; nothing swept\n$/,
        );
        const untouched = await server.database.db
          .selectFrom('user_products')
          .select('status')
          .where('id', '=', item!)
          .executeTakeFirstOrThrow();
        assert.equal(untouched.status, 'active');
        const none = await server.database.db.selectFrom('notifications').select('id').execute();
        assert.deepEqual(none, []);

        const up = await cli(['sweep', '--json'], {
          DATABASE_URL: scratch.url,
          REDIS_URL,
          REDIS_CHANNEL: channel,
        });
        assert.equal(up.code, 0, up.stderr);
        const out = JSON.parse(up.stdout);
        assert.equal(out.expired, 1);
        assert.equal(out.published, 'redis');
        const [frame] = await socket.take(1, 5000);
        assert.equal(frame.type, 'product_expiration');
        assert.equal(frame.notification.itemId, item);
        await socket.close();
      } finally {
        await server.close();
        await scratch.drop();
      }
    });
  });
}

describe('expireeye sweep settings', () => {
  test('a bad setting is one line naming it; exit 1', async () => {
    const r = await cli(['sweep'], { DATABASE_URL: 'sqlite::memory:', APP_TIMEZONE: 'Mars/Olympus' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^expireeye sweep: APP_TIMEZONE: must be an IANA time zone/);
    const w = await cli(['sweep', '--now'], { DATABASE_URL: 'sqlite::memory:' });
    assert.equal(w.code, 2);
    const c = await cli(['sweep'], { DATABASE_URL: 'sqlite::memory:', SWEEP_CHUNK_SIZE: '0' });
    assert.equal(c.code, 1);
    assert.equal(
      c.stderr,
      "expireeye sweep: SWEEP_CHUNK_SIZE: must be a whole number from 1 to 10000, got '0'\n",
    );
  });

  test('REDIS_URL: a path that is no database number, or a database Redis refuses, is one line; exit 1', async () => {
    const garbage = await cli(['sweep'], { DATABASE_URL: 'sqlite::memory:', REDIS_URL: `${REDIS_URL}/abc` });
    assert.equal(garbage.code, 1);
    assert.match(garbage.stderr, /^expireeye sweep: REDIS_URL: the path must be a database number .*\n$/);
    // The local Redis has 16 databases: SELECT 99 is refused (nothing is written anywhere).
    const refused = await cli(['sweep'], { DATABASE_URL: 'sqlite::memory:', REDIS_URL: `${REDIS_URL}/99` });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^expireeye sweep: REDIS_URL: Redis refused database 99: ERR .+; nothing swept\n$/,
    );
  });
});
