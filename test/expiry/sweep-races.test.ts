import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { type AppDatabase, openDatabase } from '../../src/db/database.js';
import { inTransaction } from '../../src/features/catalogue/in-transaction.js';
import { runExpirySweep } from '../../src/features/expiry/expiry-sweep.js';
import type { Database } from '../../src/models/index.js';
import { DIALECTS } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { insertItem, insertProduct, insertUser, migratedDatabase } from '../support/inventory-rows.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const sweep = (database: AppDatabase) =>
  runExpirySweep(database, { now: NOW, timeZone: 'UTC', warningDays: 2 });

const ROLLBACK = new Error('rollback');

/** A transaction held open on its own connection until `end()` rolls it back. */
async function heldTransaction(database: AppDatabase) {
  let end!: () => void;
  const gate = new Promise<void>((r) => {
    end = r;
  });
  let opened!: (tx: Kysely<Database>) => void;
  const tx = new Promise<Kysely<Database>>((r) => {
    opened = r;
  });
  const done = database.db
    .transaction()
    .execute(async (t) => {
      opened(t);
      await gate;
      throw ROLLBACK;
    })
    .catch((e) => {
      if (e !== ROLLBACK) throw e;
    });
  return {
    tx: await tx,
    rollback: () => {
      end();
      return done;
    },
  };
}

/**
 * Sessions of this test's database waiting for a lock. MariaDB's information_schema.innodb_trx
 * does not always list a waiting INSERT … SELECT, so there: statements running for a second or more
 * (each of this test's statements takes milliseconds unless it waits).
 */
async function lockWaits(database: AppDatabase): Promise<number> {
  const q =
    database.dialect === 'postgres'
      ? sql<{ c: number }>`select count(*) as c from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`
      : sql<{ c: number }>`select count(*) as c from information_schema.processlist
          where db = database() and command = 'Query' and time >= 1 and id <> connection_id()`;
  const { rows } = await q.execute(database.db);
  return Number(rows[0]?.c ?? 0);
}

/** An uncommitted notification with the key the sweep will want: the sweep waits on it. */
async function blockOn(database: AppDatabase, userId: string, itemId: string, type: string, date: string) {
  const held = await heldTransaction(database);
  await held.tx
    .insertInto('notifications')
    .values({
      id: randomUUID(),
      user_id: userId,
      user_product_id: itemId,
      type,
      message: 'held',
      product_name: null,
      expiry_date: date,
      is_read: false,
      created_at: NOW,
    })
    .execute();
  return held;
}

/** Items the sweep marked expired without an "expired" notification for their date. */
async function expiredWithoutNotice(database: AppDatabase): Promise<string[]> {
  const rows = await database.db
    .selectFrom('user_products as u')
    .select('u.id')
    .where('u.status', '=', 'expired')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('notifications as n')
            .select('n.id')
            .whereRef('n.user_product_id', '=', 'u.id')
            .whereRef('n.expiry_date', '=', 'u.expiry_date')
            .where('n.type', '=', 'warning'),
        ),
      ),
    )
    .execute();
  return rows.map((r) => r.id);
}

// Other transactions committing between, or during, the sweep's statements: a server database's
// concern. SQLite's writers take turns, so nothing can come between its statements.
for (const dialect of DIALECTS.filter((d) => d !== 'sqlite')) {
  describe(`expiry sweep racing the API (${dialect})`, () => {
    test('an item dated into the past during a sweep is not marked expired without its notification', async () => {
      const { database, scratch, close } = await migratedDatabase(dialect);
      const blocker = await openDatabase(scratch.parsed, { poolSize: 1 });
      const api = await openDatabase(scratch.parsed, { poolSize: 1 });
      try {
        const u = await insertUser(database);
        const p = await insertProduct(database, 'Milk');
        const soon = await insertItem(database, { userId: u.id, productId: p, expiryDate: '2026-03-11' });
        const later = await insertItem(database, { userId: u.id, productId: p, expiryDate: '2026-03-20' });
        // The sweep's "expiring soon" chunk waits on this; its "expired" chunks (none here) are done.
        const held = await blockOn(blocker, u.id, soon, 'expiring_soon', '2026-03-11');
        const running = sweep(database);
        assert.ok(await eventually(async () => (await lockWaits(database)) === 1, 5000));

        // Meanwhile the API adds an item dated last week and re-dates another to yesterday.
        const added = randomUUID();
        const edits = api.db.transaction().execute(async (tx) => {
          await tx
            .insertInto('user_products')
            .values({
              id: added,
              user_id: u.id,
              product_id: p,
              expiry_date: '2026-03-03',
              status: 'active',
              added_at: NOW,
            })
            .execute();
          await tx
            .updateTable('user_products')
            .set({ expiry_date: '2026-03-09' })
            .where('id', '=', later)
            .execute();
        });
        // PostgreSQL lets them commit at once; MariaDB makes them wait for the sweep's range locks.
        await Promise.race([edits, eventually(async () => (await lockWaits(database)) === 2, 3000)]);
        await held.rollback();
        await Promise.all([running, edits]);

        assert.deepEqual(await expiredWithoutNotice(database), []);
        // The next sweep notifies and expires them, each once.
        await sweep(database);
        await sweep(database);
        assert.deepEqual(await expiredWithoutNotice(database), []);
        const notes = await database.db
          .selectFrom('notifications')
          .select(['user_product_id', 'type', 'expiry_date'])
          .orderBy('expiry_date')
          .execute();
        assert.deepEqual(notes, [
          { user_product_id: added, type: 'warning', expiry_date: '2026-03-03' },
          { user_product_id: later, type: 'warning', expiry_date: '2026-03-09' },
          { user_product_id: soon, type: 'expiring_soon', expiry_date: '2026-03-11' },
        ]);
        const statuses = await database.db.selectFrom('user_products').select(['id', 'status']).execute();
        assert.deepEqual(
          new Map(statuses.map((r) => [r.id, r.status])),
          new Map([
            [added, 'expired'],
            [later, 'expired'],
            [soon, 'active'],
          ]),
        );
      } finally {
        await blocker.destroy();
        await api.destroy();
        await close();
      }
    });

    test('items and users deleted during a sweep do not make it fail', async () => {
      const { database, scratch, close } = await migratedDatabase(dialect);
      const blocker = await openDatabase(scratch.parsed, { poolSize: 1 });
      const api = await openDatabase(scratch.parsed, { poolSize: 2 });
      try {
        const u = await insertUser(database, 'stays');
        const leaving = await insertUser(database, 'leaves');
        const p = await insertProduct(database, 'Ham');
        // Read in this order (by date, and in insertion order): the sweep has written the first
        // two notifications when it reaches the last item and waits.
        const deleted = await insertItem(database, { userId: u.id, productId: p, expiryDate: '2026-03-01' });
        await insertItem(database, {
          userId: leaving.id,
          productId: p,
          expiryDate: '2026-03-02',
        });
        const last = await insertItem(database, { userId: u.id, productId: p, expiryDate: '2026-03-05' });
        const held = await blockOn(blocker, u.id, last, 'warning', '2026-03-05');
        const running = sweep(database);
        assert.ok(await eventually(async () => (await lockWaits(database)) === 1, 5000));

        // As the API does them: in a transaction retried after a deadlock (MariaDB may pick one).
        const removals = Promise.all([
          inTransaction(api, (tx) => tx.deleteFrom('user_products').where('id', '=', deleted).execute()),
          inTransaction(api, (tx) => tx.deleteFrom('users').where('id', '=', leaving.id).execute()),
        ]);
        // They commit at once unless the sweep holds the rows (then they wait for it).
        await Promise.race([removals, eventually(async () => (await lockWaits(database)) === 3, 3000)]);
        await held.rollback();
        const result = await running;
        await removals;

        assert.equal(result.skipped, false);
        const notes = await database.db
          .selectFrom('notifications')
          .select(['user_id', 'user_product_id', 'type', 'expiry_date'])
          .orderBy('expiry_date')
          .execute();
        // The deleted item's notice, if the sweep wrote it first, has lost its item; the deleted
        // user's went with them.
        assert.deepEqual(
          notes.filter((n) => n.user_product_id !== null),
          [{ user_id: u.id, user_product_id: last, type: 'warning', expiry_date: '2026-03-05' }],
        );
        assert.ok(notes.every((n) => n.user_id === u.id));
        const items = await database.db.selectFrom('user_products').select(['id', 'status']).execute();
        assert.deepEqual(items, [{ id: last, status: 'expired' }]);
      } finally {
        await blocker.destroy();
        await api.destroy();
        await close();
      }
    });
  });
}
