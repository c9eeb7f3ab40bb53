import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { addDays, todayUtc } from '../../src/db/dates.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import { cli } from '../support/cli.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { engineTimestamp, fromAppRevision } from '../support/engine.js';

// Notifications made before revision b7e41d09c2a8 were one per item and kind; it gave them the
// item's expiry date, so that the sweep, which notifies each item once per kind and date, would not
// send them again. It did so for "expired" (`warning`) notifications only at first: a legacy
// "expiring soon" one kept no date and the next sweep sent it a second time. b7e41d09c2a8 now
// fills both; 812144e6c60c fills the ones a database upgraded before that still lacks.
for (const dialect of DIALECTS) {
  describe(`legacy expiry notifications' dates on ${dialect}`, () => {
    let db: ScratchDatabase;
    // Read per test, not once for the file: the sweep these tests run reads the clock itself, and
    // a file started before midnight (UTC) would otherwise date its items a day off.
    let today = '';
    let tomorrow = '';
    beforeEach(async () => {
      db = await scratchDatabase(dialect);
      today = todayUtc();
      tomorrow = addDays(today, 1);
    });
    afterEach(() => db.drop());
    const at = (s: number) => engineTimestamp(dialect, s);

    const fromRevision = (rev: string, body: Parameters<typeof fromAppRevision>[2]) =>
      fromAppRevision(db.url, rev, body);

    /** A user, a product, and an active item of it for each id, with the expiry date given. */
    async function inventory(conn: Kysely<any>, items: Record<string, string>) {
      await conn
        .insertInto('users')
        .values({ id: 'u1', email: 'a@example.com', password_hash: 'x', name: 'A', created_at: at(0) })
        .execute();
      await conn
        .insertInto('products')
        .values({ id: 'p1', name: 'Milk', created_at: at(0) })
        .execute();
      for (const [id, expiry_date] of Object.entries(items)) {
        await conn
          .insertInto('user_products')
          .values({
            id,
            user_id: 'u1',
            product_id: 'p1',
            quantity: 1,
            expiry_date,
            status: 'active',
            added_at: at(1),
          })
          .execute();
      }
    }

    const notification = (id: string, item: string, type: string, s: number) => ({
      id,
      user_id: 'u1',
      user_product_id: item,
      type,
      message: 'Product Milk expires soon',
      created_at: at(s),
    });

    /** The ids of the notifications dated `date` (null: without a date). */
    async function dated(conn: Kysely<any>, date: string | null): Promise<string[]> {
      const rows = await conn
        .selectFrom('notifications')
        .select('id')
        .where('expiry_date', date === null ? 'is' : '=', date)
        .orderBy('id')
        .execute();
      return rows.map((r) => r.id);
    }

    /** Runs `expireeye sweep` and returns its counts. */
    async function sweep(): Promise<{
      expired: number;
      expiredNotifications: number;
      expiringSoonNotifications: number;
    }> {
      const r = await cli(['sweep', '--json'], { DATABASE_URL: db.url });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    }

    test('b7e41d09c2a8 dates legacy "expiring soon" notifications too, and the sweep does not send them again', () =>
      fromRevision('63a6627b1c48', async (env, conn) => {
        const yesterday = addDays(today, -1);
        await inventory(conn, { 'i-soon': tomorrow, 'i-past': yesterday });
        await conn
          .insertInto('notifications')
          .values([
            notification('n-soon', 'i-soon', 'expiring_soon', 2),
            notification('n-past', 'i-past', 'warning', 3),
          ])
          .execute();

        await upgrade(env, 'b7e41d09c2a8');
        assert.deepEqual(await dated(conn, tomorrow), ['n-soon']);
        assert.deepEqual(await dated(conn, yesterday), ['n-past']);

        await upgrade(env, 'head');
        const swept = await sweep();
        assert.equal(swept.expiringSoonNotifications, 0, 'the item was warned already, for this date');
        assert.equal(swept.expiredNotifications, 0);
        assert.equal(swept.expired, 1, 'the expired item, notified before, is marked expired');
        assert.deepEqual(await dated(conn, null), []);
      }));

    test('812144e6c60c dates what an earlier b7e41d09c2a8 left without, except where the sweep sent the twin', () =>
      fromRevision('63a6627b1c48', async (env, conn) => {
        await inventory(conn, { 'i-legacy': tomorrow, 'i-twin': tomorrow });
        await conn
          .insertInto('notifications')
          .values([
            notification('n-legacy', 'i-legacy', 'expiring_soon', 2),
            notification('n-twin-legacy', 'i-twin', 'expiring_soon', 3),
          ])
          .execute();
        await upgrade(env, 'b7e41d09c2a8');
        // As b7e41d09c2a8 left them before it dated "expiring soon" notifications…
        await conn.updateTable('notifications').set({ expiry_date: null }).execute();
        // …and the second one the sweep then sent for i-twin, with its date.
        await conn
          .insertInto('notifications')
          .values({ ...notification('n-twin-sweep', 'i-twin', 'expiring_soon', 4), expiry_date: tomorrow })
          .execute();

        await upgrade(env, 'head');
        assert.deepEqual(await dated(conn, tomorrow), ['n-legacy', 'n-twin-sweep']);
        assert.deepEqual(await dated(conn, null), ['n-twin-legacy'], 'the legacy twin stays, without a date');
        assert.equal((await sweep()).expiringSoonNotifications, 0);

        await downgrade(env, '63a6627b1c48');
        const left = await conn.selectFrom('notifications').select('id').orderBy('id').execute();
        assert.deepEqual(
          left.map((r) => r.id),
          ['n-legacy', 'n-twin-legacy', 'n-twin-sweep'],
          'downgrading loses no notification',
        );
      }));
  });
}
