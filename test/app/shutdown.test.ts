import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../../src/app/build-app.js';
import { type AppDatabase, openDatabase } from '../../src/db/database.js';
import { migrateToHead, testConfig } from '../support/app.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS } from '../support/engine.js';
import { insertUser } from '../support/inventory-rows.js';
import { connected, type Instance, startInstance, type TestSocket } from '../support/sockets.js';

type App = Awaited<ReturnType<typeof buildApp>>;

/** An app that opens and owns its pool, as the server does, listening; and a pool of the test's. */
async function withApp(
  dialect: 'mysql' | 'postgres',
  work: (
    app: App,
    port: number,
    check: AppDatabase,
    errors: string[],
    scratch: ScratchDatabase,
  ) => Promise<void>,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  const scratch = await scratchDatabase(dialect);
  await migrateToHead(scratch);
  // Error lines the app logs.
  const errors: string[] = [];
  const app = await buildApp({
    config: testConfig(scratch),
    logger: { level: 'error', stream: { write: (line: string) => errors.push(line) } },
    env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS, ...extraEnv },
  });
  const check = await openDatabase(scratch.parsed, { poolSize: 2 });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    await work(app, (app.server.address() as AddressInfo).port, check, errors, scratch);
  } finally {
    await app.close();
    await check.destroy();
    await scratch.drop();
  }
}

async function rowCount(
  check: AppDatabase,
  table: 'user_products' | 'notifications',
  userId: string,
): Promise<number> {
  const row = await check.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const tick = () => new Promise((r) => setTimeout(r, 2));

describe('shutting down while work whose client hung up is still going on', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    for (const redis of [false, true]) {
      // Without Redis the only sockets the notifications could reach are this server's own, which
      // shutting down has just closed (1001): they are stored, for the owner's backlog. With Redis
      // they are published live, and another instance's sockets receive every one.
      const what = redis
        ? 'items, their live notifications to other instances) before the pool and Redis close'
        : 'items, their notifications stored for the backlog) before the pool closes';
      test(`${dialect}${redis ? ' with Redis' : ''}: a handler finishes its work (${what}`, async () => {
        const env: Record<string, string> = redis
          ? { REDIS_URL: REDIS, REDIS_KEY_PREFIX: `ee-shutdown-${process.pid}-${dialect}:` }
          : {};
        await withApp(
          dialect,
          async (app, port, check, errors, scratch) => {
            const alice = await insertUser(check, 'alice');
            // Alice's socket on another instance sharing the database and Redis.
            let other: Instance | undefined;
            let socket: TestSocket | undefined;
            if (redis) {
              other = await startInstance(scratch, env);
              socket = await connected(other.wsUrl, other.app.tokens.sign(alice));
            }
            try {
              // 300 scanned items, each in its own transaction and announced to the owner's sockets
              // once committed: long enough to be caught midway.
              const products = Array.from({ length: 300 }, (_, i) => ({
                productName: `Item ${i}`,
                quantity: 1,
                isScannedProduct: true,
              }));
              const client = new AbortController();
              const sent = fetch(`http://127.0.0.1:${port}/api/product/user/add-mass`, {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  authorization: `Bearer ${app.tokens.sign(alice)}`,
                },
                body: JSON.stringify({ products }),
                signal: client.signal,
              }).catch((e: Error) => e);
              while (app.inFlight.count === 0) await tick();
              // The client leaves, and the server is told to stop, while the handler is adding items.
              client.abort();
              assert.ok((await sent) instanceof Error);
              await app.close();
              assert.equal(
                await rowCount(check, 'user_products', alice.id),
                300,
                'every item added: the pool closed only after the handler',
              );
              assert.equal(await rowCount(check, 'notifications', alice.id), 300);
              if (socket) {
                const frames = await socket.take(300);
                assert.deepEqual(new Set(frames.map((f) => f.type)), new Set(['Product_Scanned']));
                const items = await check.db
                  .selectFrom('user_products')
                  .select('id')
                  .where('user_id', '=', alice.id)
                  .execute();
                assert.deepEqual(
                  frames.map((f) => f.data.itemId).sort(),
                  items.map((i) => i.id).sort(),
                  'each item announced once: Redis closed only after the handler',
                );
              }
              assert.deepEqual(errors, []);
            } finally {
              await socket?.close();
              await other?.close();
            }
          },
          env,
        );
      });
    }

    test(`${dialect}: a request caught in its token check, and its handler, finish before the pool closes`, async () => {
      await withApp(dialect, async (app, port, check, errors) => {
        const alice = await insertUser(check, 'alice');
        // Another session holds the users table, so the token check (it reads the user's token
        // version) waits for it.
        let release!: () => void;
        const released = new Promise<void>((r) => {
          release = r;
        });
        let locked!: () => void;
        const lockTaken = new Promise<void>((r) => {
          locked = r;
        });
        const holder = check.db.connection().execute(async (conn) => {
          if (dialect === 'mysql') await sql`LOCK TABLES users WRITE`.execute(conn);
          else {
            await sql`BEGIN`.execute(conn);
            await sql`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`.execute(conn);
          }
          locked();
          await released;
          await sql.raw(dialect === 'mysql' ? 'UNLOCK TABLES' : 'COMMIT').execute(conn);
        });
        await lockTaken;
        const client = new AbortController();
        // A GET: with no body to read from the lost connection, Fastify goes on to the handler
        // once the check is done.
        const sent = fetch(`http://127.0.0.1:${port}/api/product/user/list`, {
          headers: { authorization: `Bearer ${app.tokens.sign(alice)}` },
          signal: client.signal,
        }).catch((e: Error) => e);
        const waiting =
          dialect === 'mysql'
            ? sql<{
                n: number;
              }>`SELECT COUNT(*) AS n FROM information_schema.processlist WHERE state LIKE 'Waiting for table%'`
            : sql<{ n: number }>`SELECT COUNT(*) AS n FROM pg_locks WHERE NOT granted`;
        while (Number((await waiting.execute(check.db)).rows[0]?.n) === 0) await tick();
        // The client leaves, and the server is told to stop, while its token is being checked.
        client.abort();
        assert.ok((await sent) instanceof Error);
        assert.equal(app.inFlight.count, 0, 'no handler runs yet');
        const closed = app.close();
        await new Promise((r) => setTimeout(r, 100));
        release();
        await holder;
        await closed;
        // The check, and the handler after it, ran on an open pool: nothing failed.
        assert.deepEqual(errors, []);
      });
    });
  }
});
