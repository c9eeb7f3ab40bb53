import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../../src/app/build-app.js';
import { openDatabase } from '../../src/db/database.js';
import { isDatabaseUnavailable, unavailableKind } from '../../src/db/errors.js';
import { InventoryService } from '../../src/features/inventory/service.js';
import { Client, migrateToHead, signUp, testConfig } from '../support/app.js';
import { startBoundedServer } from '../support/bounded-server.js';
import { scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS } from '../support/engine.js';
import { holdRow } from '../support/hold-row-lock.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { within } from '../support/within.js';

const UNAVAILABLE = { detail: 'The database did not answer in time; try again shortly' };

// The database stops answering while the server runs: a network partition or a hung server, its
// TCP connections open but nothing coming back (a proxy holding every byte). The README's promise:
// a 503 with Retry-After, never a request left hanging; the health check still answers.
describe('a database that stops answering while the server runs', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: requests are a 503 with Retry-After, /api/status says unreachable, and the server shuts down`, async () => {
      const scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      const proxy = await TcpProxy.start(scratch.parsed.port!);
      const app = await buildApp({
        config: testConfig(scratch, {
          database: { ...scratch.parsed, port: proxy.port },
          dbTimeoutSeconds: 1,
          poolSize: 2,
        }),
        logger: false,
        env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
      });
      let closed = false;
      try {
        await app.listen({ host: '127.0.0.1', port: 0 });
        const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
        const user = await signUp(base, 'stalled');
        const added = await user.api.post('/api/product/user/add', { name: 'Stalled milk', quantity: 1 });
        assert.equal(added.status, 200, added.text);

        proxy.stall();
        // More requests than pooled connections: some wait for a connection that never comes back.
        const answers = await within(
          Promise.all([
            user.api.get('/api/product/user/list'),
            user.api.post('/api/product/user/add', { name: 'Stalled bread', quantity: 1 }),
            user.api.put(`/api/product/user/update/${added.body.itemId}`, { quantity: 3 }),
            new Client(base).post('/api/auth/login', { email: user.email, password: user.password }),
          ]),
          60_000,
        );
        assert.notEqual(answers, 'still waiting', 'no answer while the database does not answer');
        for (const a of answers as Exclude<typeof answers, string>) {
          assert.equal(a.status, 503, a.text);
          assert.equal(a.headers.get('retry-after'), '5');
          assert.deepEqual(a.body, UNAVAILABLE);
        }
        // The health check (its cached answer from before the stall long expired).
        const status = await within(new Client(base).get('/api/status'), 60_000);
        assert.notEqual(status, 'still waiting', '/api/status did not answer');
        const s = status as Exclude<typeof status, string>;
        assert.equal(s.status, 503);
        assert.deepEqual(s.body.database, { reachable: false, atHead: null });

        // Shutting down, the database still silent: it does not wait for answers that never come.
        assert.equal(await within(app.close(), 60_000), undefined, 'app.close() still waiting');
        closed = true;
      } finally {
        proxy.resume();
        if (!closed) await app.close();
        await proxy.close();
        await scratch.drop();
      }
    });

    test(`${dialect}: a write given up on (a lock held past the bound) is a 503 and is never applied later; its session ends`, async () => {
      const server = await startBoundedServer(dialect, { dbTimeoutSeconds: 1, poolSize: 2 });
      const holder = await openDatabase(server.scratch.parsed, { poolSize: 2 });
      try {
        const user = await signUp(server.baseUrl, 'locked');
        // Another session holds the user's row (a long transaction elsewhere) for longer than the bound.
        const lock = await holdRow(holder, 'users', user.id);
        const res = await user.api.put('/api/user/profile', { name: 'Ghost' });
        assert.equal(res.status, 503, res.text);
        lock.release();
        await lock.done;
        // Had the server gone on with the abandoned UPDATE, it would run now that the lock is free.
        await new Promise((r) => setTimeout(r, 500));
        const row = await holder.db
          .selectFrom('users')
          .select('name')
          .where('id', '=', user.id)
          .executeTakeFirstOrThrow();
        assert.notEqual(row.name, 'Ghost', 'a write the client was told failed was applied');
        const waiting =
          dialect === 'postgres'
            ? await sql<{
                n: number;
              }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and query like 'update "users"%'`.execute(
                holder.db,
              )
            : await sql<{
                n: number;
              }>`select count(*) as n from information_schema.processlist where db = database() and info like 'update \`users\`%'`.execute(
                holder.db,
              );
        assert.equal(Number(waiting.rows[0]?.n), 0, 'the abandoned statement still runs on the server');
      } finally {
        await server.close();
        await holder.destroy();
      }
    });

    test(`${dialect}: a connection lost in the middle of a transaction is "unavailable" (a 503), even after its ROLLBACK fails too`, async () => {
      const scratch = await scratchDatabase(dialect);
      const proxy = await TcpProxy.start(scratch.parsed.port!);
      const database = await openDatabase({ ...scratch.parsed, port: proxy.port }, { poolSize: 1 });
      try {
        const failure = await database.db
          .transaction()
          .execute(async (tx) => {
            await sql`select 1`.execute(tx);
            proxy.drop();
            // Let the driver see its connection close before the next statement is sent.
            await new Promise((r) => setTimeout(r, 200));
            await sql`select 2`.execute(tx);
          })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        assert.ok(failure, 'the transaction failed');
        assert.equal(unavailableKind(failure), 'lost', `not recognised: ${(failure as Error).message}`);
      } finally {
        await database.destroy();
        await proxy.close();
        await scratch.drop();
      }
    });

    test(`${dialect}: adding a list while the database is unreachable is a 503, not every item "could not be saved"`, async () => {
      const scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      const proxy = await TcpProxy.start(scratch.parsed.port!);
      const database = await openDatabase({ ...scratch.parsed, port: proxy.port }, { poolSize: 1 });
      try {
        const errors: unknown[] = [];
        const service = new InventoryService(database, (e) => errors.push(e));
        const user = { id: '00000000-0000-4000-8000-0000000000aa', email: 'list@example.com' };
        await proxy.close(); // the database's address now refuses connections
        const outcome = await service.addMass(user, [{ productName: 'Unsaved tea', quantity: 1 }]).then(
          (r) => r,
          (e: unknown) => e,
        );
        assert.ok(
          isDatabaseUnavailable(outcome),
          `a result instead of the outage: ${JSON.stringify(outcome)}`,
        );
        assert.deepEqual(errors, [], 'not logged as a failed item');
      } finally {
        await database.destroy();
        await proxy.close().catch(() => undefined);
        await scratch.drop();
      }
    });
  }
});
