import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { runExpirySweep, type SweepOptions } from '../../src/features/expiry/expiry-sweep.js';
import { DIALECTS } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import {
  insertItem,
  insertItems,
  insertProduct,
  insertUser,
  migratedDatabase,
} from '../support/inventory-rows.js';
import { lockWaits } from '../support/lock-waits.js';

const at = (iso: string): Pick<SweepOptions, 'now' | 'timeZone' | 'warningDays' | 'collect'> => ({
  now: new Date(iso),
  timeZone: 'UTC',
  warningDays: 2,
  collect: true,
});

/** A random (version-4, RFC 4122 variant) UUID in lower case, as randomUUID() makes them. */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const dialect of DIALECTS) {
  describe(`expiry sweep (${dialect})`, () => {
    test('notification ids are random (version-4) UUIDs, all different', async () => {
      const { database, close } = await migratedDatabase(dialect);
      try {
        const owner = await insertUser(database, 'owner');
        const milk = await insertProduct(database, 'Milk');
        await insertItems(database, {
          userId: owner.id,
          productId: milk,
          count: 400,
          // Half expired, half expiring soon: both statements make ids.
          expiryDate: (i) => (i % 2 === 0 ? '2026-03-09' : '2026-03-11'),
        });
        const swept = await runExpirySweep(database, at('2026-03-10T12:00:00Z'));
        assert.equal(swept.notifications.length, 400);
        const stored = await database.db.selectFrom('notifications').select('id').execute();
        assert.equal(stored.length, 400);
        for (const { id } of stored) assert.match(id, UUID_V4);
        assert.equal(new Set(stored.map((r) => r.id)).size, 400);
        // Random throughout: the variant nibble takes all four values, the others all sixteen.
        assert.equal(new Set(stored.map((r) => r.id[19])).size, 4);
        for (const pos of [0, 9, 15, 24, 35])
          assert.equal(new Set(stored.map((r) => r.id[pos])).size, 16, `char ${pos}`);
      } finally {
        await close();
      }
    });

    test('each threshold gives exactly the expected notifications, once', async () => {
      const { database, close } = await migratedDatabase(dialect);
      try {
        const alice = await insertUser(database, 'alice');
        const bob = await insertUser(database, 'bob');
        const milk = await insertProduct(database, 'Milk');
        const bread = await insertProduct(database, 'Bread');
        const item = (
          userId: string,
          productId: string,
          expiryDate: string | null,
          status?: 'expired' | 'consumed',
        ) => insertItem(database, { userId, productId, expiryDate, ...(status ? { status } : {}) });
        const past = await item(alice.id, milk, '2026-03-09');
        const today = await item(alice.id, bread, '2026-03-10');
        const tomorrow = await item(bob.id, milk, '2026-03-11');
        const inTwo = await item(bob.id, bread, '2026-03-12');
        const inThree = await item(alice.id, milk, '2026-03-13');
        await item(alice.id, milk, null);
        await item(alice.id, milk, '2026-01-01', 'consumed');
        await item(bob.id, milk, '2026-03-01', 'expired');

        const first = await runExpirySweep(database, at('2026-03-10T12:00:00Z'));
        assert.equal(first.today, '2026-03-10');
        assert.equal(first.skipped, false);
        assert.equal(first.expired, 1);
        const got = first.notifications
          .map((n) => [
            n.user_product_id,
            n.user_id,
            n.type,
            n.message,
            n.product_name,
            n.expiry_date,
            n.is_read,
          ])
          .sort((a, b) => String(a[3]).localeCompare(String(b[3])));
        assert.deepEqual(got, [
          [inTwo, bob.id, 'expiring_soon', 'Product Bread expires in 2 days', 'Bread', '2026-03-12', false],
          [today, alice.id, 'expiring_soon', 'Product Bread expires today', 'Bread', '2026-03-10', false],
          [tomorrow, bob.id, 'expiring_soon', 'Product Milk expires tomorrow', 'Milk', '2026-03-11', false],
          [past, alice.id, 'warning', 'Product Milk has expired', 'Milk', '2026-03-09', false],
        ]);
        for (const n of first.notifications) {
          assert.match(n.id, UUID_V4);
          assert.equal(n.created_at.toISOString(), '2026-03-10T12:00:00.000Z');
        }
        // What was returned is what was stored.
        const stored = await database.db.selectFrom('notifications').select(['id']).execute();
        assert.deepEqual(stored.map((r) => r.id).sort(), first.notifications.map((n) => n.id).sort());
        const statuses = await database.db.selectFrom('user_products').select(['id', 'status']).execute();
        const statusOf = new Map(statuses.map((r) => [r.id, r.status]));
        assert.equal(statusOf.get(past), 'expired');
        assert.equal(statusOf.get(today), 'active');
        assert.equal(statusOf.get(inThree), 'active');

        const again = await runExpirySweep(database, at('2026-03-10T18:00:00Z'));
        assert.deepEqual([again.expired, again.notifications.length], [0, 0]);

        // A day later: today's item has expired, the three-day one enters the window; the rest were told.
        const next = await runExpirySweep(database, at('2026-03-11T00:00:01Z'));
        assert.equal(next.expired, 1);
        assert.deepEqual(
          next.notifications.map((n) => [n.user_product_id, n.type, n.message]).sort(),
          [
            [inThree, 'expiring_soon', 'Product Milk expires in 2 days'],
            [today, 'warning', 'Product Bread has expired'],
          ].sort(),
        );
        const total = await database.db
          .selectFrom('notifications')
          .select((eb) => eb.fn.countAll<number>().as('c'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(total.c), 6);
      } finally {
        await close();
      }
    });

    test('"today" is the date in APP_TIMEZONE', async () => {
      const { database, close } = await migratedDatabase(dialect);
      try {
        const u = await insertUser(database);
        const p = await insertProduct(database, 'Yoghurt');
        const id = await insertItem(database, { userId: u.id, productId: p, expiryDate: '2026-03-10' });
        // 23:30 UTC on the 10th is already the 11th in Auckland (UTC+13) but still the 10th in UTC.
        const now = new Date('2026-03-10T23:30:00Z');
        const utc = await runExpirySweep(database, { now, timeZone: 'UTC', warningDays: 0, collect: true });
        assert.deepEqual(
          utc.notifications.map((n) => [n.type, n.message]),
          [['expiring_soon', 'Product Yoghurt expires today']],
        );
        const nz = await runExpirySweep(database, {
          now,
          timeZone: 'Pacific/Auckland',
          warningDays: 0,
          collect: true,
        });
        assert.equal(nz.today, '2026-03-11');
        assert.equal(nz.expired, 1);
        assert.deepEqual(
          nz.notifications.map((n) => [n.user_product_id, n.type]),
          [[id, 'warning']],
        );
      } finally {
        await close();
      }
    });

    test('an item given a later date is warned and expired again, once per date', async () => {
      const { database, close } = await migratedDatabase(dialect);
      try {
        const u = await insertUser(database);
        const p = await insertProduct(database, 'Cheese');
        const id = await insertItem(database, { userId: u.id, productId: p, expiryDate: '2026-03-11' });
        const soon = await runExpirySweep(database, at('2026-03-10T08:00:00Z'));
        assert.deepEqual(
          soon.notifications.map((n) => n.type),
          ['expiring_soon'],
        );
        const gone = await runExpirySweep(database, at('2026-03-12T08:00:00Z'));
        assert.deepEqual(
          gone.notifications.map((n) => n.type),
          ['warning'],
        );

        // The user finds it was mislabelled: a new date, active again (what the API's update does).
        await database.db
          .updateTable('user_products')
          .set({ expiry_date: '2026-03-20', status: 'active' })
          .where('id', '=', id)
          .execute();
        assert.equal((await runExpirySweep(database, at('2026-03-12T09:00:00Z'))).notifications.length, 0);
        const soonAgain = await runExpirySweep(database, at('2026-03-19T08:00:00Z'));
        assert.deepEqual(
          soonAgain.notifications.map((n) => [n.type, n.expiry_date, n.message]),
          [['expiring_soon', '2026-03-20', 'Product Cheese expires tomorrow']],
        );
        const goneAgain = await runExpirySweep(database, at('2026-03-21T08:00:00Z'));
        assert.deepEqual(
          goneAgain.notifications.map((n) => [n.type, n.expiry_date]),
          [['warning', '2026-03-20']],
        );
        assert.equal(goneAgain.expired, 1);

        // Put back to active with a date that was already notified: marked expired, not notified twice.
        await database.db
          .updateTable('user_products')
          .set({ status: 'active' })
          .where('id', '=', id)
          .execute();
        const repeat = await runExpirySweep(database, at('2026-03-22T08:00:00Z'));
        assert.deepEqual([repeat.expired, repeat.notifications.length], [1, 0]);
      } finally {
        await close();
      }
    });

    // Many servers on one database is a MySQL/PostgreSQL setup; SQLite has one writer, and three
    // synchronous connections in one process would only wait on each other's busy timeout.
    const shared = { skip: dialect === 'sqlite' ? 'single-writer embedded database' : false };

    test(
      'concurrent sweeps on separate connections create each notification exactly once',
      shared,
      async () => {
        const { database, scratch, close } = await migratedDatabase(dialect);
        const others = await Promise.all([1, 2].map(() => openDatabase(scratch.parsed, { poolSize: 2 })));
        try {
          const users = await Promise.all([1, 2, 3].map((i) => insertUser(database, `u${i}`)));
          const p = await insertProduct(database, 'Eggs');
          const rows = [];
          for (let i = 0; i < 300; i++) {
            rows.push({
              id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
              user_id: users[i % 3]!.id,
              product_id: p,
              // 0–99 days ago: expired; then today, tomorrow, … : expiring soon for the first three days.
              expiry_date:
                i < 150
                  ? `2026-0${1 + (i % 3)}-0${1 + (i % 9)}`
                  : `2026-04-${String(10 + (i % 10)).padStart(2, '0')}`,
              status: 'active' as const,
              added_at: new Date(),
            });
          }
          await database.db.insertInto('user_products').values(rows).execute();
          const expectedSoon = rows.filter(
            (r) => r.expiry_date >= '2026-04-10' && r.expiry_date <= '2026-04-12',
          ).length;

          for (const exclusive of [false, true]) {
            // Chunks of 20: the sweeps interleave chunk by chunk.
            const opts = {
              ...at(exclusive ? '2026-04-10T10:00:00Z' : '2026-04-10T09:00:00Z'),
              exclusive,
              chunkSize: 20,
            };
            const results = await Promise.all([database, ...others].map((db) => runExpirySweep(db, opts)));
            const created = results.flatMap((r) => r.notifications);
            if (!exclusive) {
              // Every item notified once in all, whichever sweep won it.
              assert.equal(created.filter((n) => n.type === 'warning').length, 150);
              assert.equal(created.filter((n) => n.type === 'expiring_soon').length, expectedSoon);
              assert.equal(
                results.reduce((s, r) => s + r.expired, 0),
                150,
              );
            } else {
              // Second round with the lock: all already done; nobody creates anything.
              assert.equal(created.length, 0);
            }
            assert.equal(new Set(created.map((n) => n.id)).size, created.length);
          }
          const perItem = await database.db
            .selectFrom('notifications')
            .select(['user_product_id', 'type', (eb) => eb.fn.countAll<number>().as('c')])
            .groupBy(['user_product_id', 'type'])
            .execute();
          assert.equal(perItem.length, 150 + expectedSoon);
          assert.ok(perItem.every((r) => Number(r.c) === 1));
        } finally {
          await Promise.all(others.map((o) => o.destroy()));
          await close();
        }
      },
    );

    test(
      'an account deleted while the sweep runs: the sweep completes for everyone else',
      shared,
      async () => {
        const { database, scratch, close } = await migratedDatabase(dialect);
        const other = await openDatabase(scratch.parsed, { poolSize: 1 });
        try {
          const leaver = await insertUser(database, 'leaver');
          const stayer = await insertUser(database, 'stayer');
          const p = await insertProduct(database, 'Yoghurt');
          for (const u of [leaver, stayer, leaver]) {
            await insertItem(database, { userId: u.id, productId: p, expiryDate: '2026-06-01' });
          }
          // The account deletion, uncommitted while the sweep starts (AuthService.deleteAccount's
          // statements, on a connection of its own).
          let commit!: () => void;
          const committing = new Promise<void>((r) => {
            commit = r;
          });
          let deleted = false;
          const deleting = other.db.transaction().execute(async (tx) => {
            await tx.deleteFrom('user_products').where('user_id', '=', leaver.id).execute();
            await tx.deleteFrom('users').where('id', '=', leaver.id).execute();
            deleted = true;
            await committing;
          });
          assert.ok(await eventually(() => deleted));
          const sweeping = runExpirySweep(database, at('2026-06-05T10:00:00Z'));
          // The sweep waits for the deletion's locks; then the deletion commits.
          assert.ok(await eventually(async () => (await lockWaits(database)) > 0, 5000));
          commit();
          await deleting;
          const result = await sweeping;
          assert.deepEqual(
            result.notifications.map((n) => [n.user_id, n.type]),
            [[stayer.id, 'warning']],
          );
          assert.equal(result.expired, 1);
          const orphans = await database.db
            .selectFrom('notifications')
            .select('id')
            .where('user_id', '=', leaver.id)
            .execute();
          assert.deepEqual(orphans, []);
        } finally {
          await other.destroy();
          await close();
        }
      },
    );

    test(
      'with the lock, concurrent sweeps split the work: one does it, the others skip or find nothing',
      shared,
      async () => {
        const { database, scratch, close } = await migratedDatabase(dialect);
        const others = await Promise.all([1, 2].map(() => openDatabase(scratch.parsed, { poolSize: 2 })));
        try {
          const u = await insertUser(database);
          const p = await insertProduct(database, 'Ham');
          for (let i = 0; i < 50; i++)
            await insertItem(database, { userId: u.id, productId: p, expiryDate: '2026-05-01' });
          // The lock is held across all of a sweep's chunks, not taken per chunk.
          const opts = { ...at('2026-05-03T10:00:00Z'), chunkSize: 10 };
          const results = await Promise.all([database, ...others].map((db) => runExpirySweep(db, opts)));
          assert.equal(
            results.reduce((s, r) => s + r.notifications.length, 0),
            50,
          );
          assert.equal(
            results.reduce((s, r) => s + r.expired, 0),
            50,
          );
          assert.equal(results.filter((r) => r.notifications.length > 0).length, 1);
        } finally {
          await Promise.all(others.map((o) => o.destroy()));
          await close();
        }
      },
    );
  });
}
