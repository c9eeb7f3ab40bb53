import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AppDatabase } from '../../src/db/database.js';
import { migrateToHead } from '../support/app.js';
import { scratchDatabase } from '../support/databases.js';
import { insertItem, insertItems, insertProduct, insertUser } from '../support/inventory-rows.js';
import { connected, startInstance } from '../support/sockets.js';

// better-sqlite3 runs each statement on the server's own thread: a sweep done in one go would
// leave every request waiting until it ends. In chunks, requests are answered between chunks.
/**
 * A watcher with one item past its date on 2026-01-01 and an owner with `items` past theirs on
 * 2026-02-01. The watcher's item is the first the sweep takes (the earliest date): its
 * notification arriving on the watcher's socket says the sweep has committed its first chunk.
 */
async function seed(database: AppDatabase, product: string, items: number) {
  const watcher = await insertUser(database, 'watcher');
  const owner = await insertUser(database, 'owner');
  const p = await insertProduct(database, product);
  await insertItem(database, { userId: watcher.id, productId: p, expiryDate: '2026-01-01' });
  await insertItems(database, {
    userId: owner.id,
    productId: p,
    count: items,
    expiryDate: () => '2026-02-01',
  });
  return { watcher, owner };
}

describe('the in-server sweep on SQLite', () => {
  test('a request made while a large sweep runs is answered before the sweep ends', async () => {
    const scratch = await scratchDatabase('sqlite');
    await migrateToHead(scratch);
    const server = await startInstance(scratch, { SWEEP_CHUNK_SIZE: '100' });
    try {
      const ITEMS = 20_000;
      const { watcher, owner } = await seed(server.database, 'Rice', ITEMS);
      const socket = await connected(server.wsUrl, server.app.tokens.sign(watcher));

      const events: string[] = [];
      const sweeping = server.app.expirySweeper.runOnce(new Date('2026-03-01T08:00:00Z')).then((r) => {
        events.push('sweep ended');
        return r;
      });
      const first = await socket.next(30_000);
      events.push('first chunk published');
      assert.equal(first.message, 'Product Rice has expired');

      // The owner lists their inventory (a query on the same SQLite connection) mid-sweep.
      const res = await fetch(`${server.baseUrl}/api/product/user/list?limit=1`, {
        headers: { authorization: `Bearer ${server.app.tokens.sign(owner)}` },
      });
      events.push('request answered');
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(((await res.json()) as { total: number }).total, ITEMS);

      const result = await sweeping;
      assert.deepEqual(events, ['first chunk published', 'request answered', 'sweep ended']);
      assert.equal(result.expired, ITEMS + 1);
      assert.equal(result.expiredNotifications, ITEMS + 1);
      assert.ok(result.chunks > 200, `${result.chunks} chunks`);
      await socket.close();
    } finally {
      await server.close();
      await scratch.drop();
    }
  });

  test('a server shutting down stops its sweep after the current chunk, leaving the rest to the next run', async () => {
    const scratch = await scratchDatabase('sqlite');
    await migrateToHead(scratch);
    const server = await startInstance(scratch, { SWEEP_CHUNK_SIZE: '50' });
    const reopened = await startInstance(scratch, { SWEEP_CHUNK_SIZE: '50' });
    let closed = false;
    try {
      const ITEMS = 5000;
      const { watcher } = await seed(server.database, 'Oats', ITEMS);
      const socket = await connected(server.wsUrl, server.app.tokens.sign(watcher));
      const sweeping = server.app.expirySweeper.runOnce(new Date('2026-03-01T08:00:00Z'));
      await socket.next(30_000); // the first chunk is in
      await server.close();
      closed = true;
      const stopped = await sweeping;
      assert.ok(
        stopped.expired > 0 && stopped.expired < ITEMS + 1,
        `${stopped.expired} expired before stopping`,
      );
      assert.equal(stopped.expiredNotifications, stopped.expired);

      // Another server (the same database) finishes the work.
      const rest = await reopened.app.expirySweeper.runOnce(new Date('2026-03-01T08:00:00Z'));
      assert.equal(stopped.expired + rest.expired, ITEMS + 1);
      assert.equal(stopped.expiredNotifications + rest.expiredNotifications, ITEMS + 1);
      const notes = await reopened.database.db
        .selectFrom('notifications')
        .select((eb) => eb.fn.countAll<number>().as('c'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(notes.c), ITEMS + 1);
    } finally {
      if (!closed) await server.close();
      await reopened.close();
      await scratch.drop();
    }
  });
});
