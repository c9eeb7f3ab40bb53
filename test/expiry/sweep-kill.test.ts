import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import type { AppDatabase } from '../../src/db/database.js';
import { addDays, todayUtc } from '../../src/db/dates.js';
import { spawnCli } from '../support/cli.js';
import { DIALECTS } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { insertItems, insertProduct, insertUser, migratedDatabase } from '../support/inventory-rows.js';

/** Counts that show whether a sweep left its work half done inside an item. */
async function audit(database: AppDatabase) {
  const { rows } = await sql<{
    expired: number;
    noticed: number;
    expiredUnnoticed: number;
    noticedActive: number;
  }>`
    select
      (select count(*) from user_products where status = 'expired') as ${sql.ref('expired')},
      (select count(*) from notifications where type = 'warning') as ${sql.ref('noticed')},
      (select count(*) from user_products u where u.status = 'expired' and not exists (
         select 1 from notifications n where n.user_product_id = u.id and n.type = 'warning'
           and n.expiry_date = u.expiry_date)) as ${sql.ref('expiredUnnoticed')},
      (select count(*) from user_products u where u.status = 'active' and exists (
         select 1 from notifications n where n.user_product_id = u.id and n.type = 'warning'
           and n.expiry_date = u.expiry_date)) as ${sql.ref('noticedActive')}`.execute(database.db);
  const r = rows[0]!;
  return {
    expired: Number(r.expired),
    noticed: Number(r.noticed),
    expiredUnnoticed: Number(r.expiredUnnoticed),
    noticedActive: Number(r.noticedActive),
  };
}

for (const dialect of DIALECTS) {
  describe(`expireeye sweep killed midway (${dialect})`, () => {
    test('kill -9 during a sweep leaves whole chunks; the next run finishes the work, each notification once', async () => {
      const { database, scratch, close } = await migratedDatabase(dialect);
      try {
        const u = await insertUser(database);
        const p = await insertProduct(database, 'Beans');
        const today = todayUtc();
        const PAST = 6000;
        const SOON = 1000;
        await insertItems(database, {
          userId: u.id,
          productId: p,
          count: PAST + SOON,
          expiryDate: (i) => (i < PAST ? addDays(today, -1 - (i % 90)) : addDays(today, i % 3)),
        });
        const env = { DATABASE_URL: scratch.url, SWEEP_CHUNK_SIZE: '20' };
        const run = spawnCli(['sweep', '--json'], env);
        // Killed as soon as its first chunks are visible: 300 chunks of past items remain to do.
        assert.ok(await eventually(async () => (await audit(database)).expired > 0, 20_000));
        run.child.kill('SIGKILL');
        const killed = await run.result;
        assert.equal(killed.signal, 'SIGKILL', killed.stdout);

        const mid = await audit(database);
        assert.ok(mid.expired > 0 && mid.expired < PAST, `killed midway: ${mid.expired} of ${PAST} expired`);
        // Every chunk committed whole or not at all: no item expired without its notification, none
        // notified and left active.
        assert.deepEqual([mid.expiredUnnoticed, mid.noticedActive, mid.noticed], [0, 0, mid.expired]);

        // The next run (once the server has dropped the dead session and its lock) does the rest.
        let next:
          | { expired: number; expiredNotifications: number; expiringSoonNotifications: number }
          | undefined;
        assert.ok(
          await eventually(async () => {
            const r = await spawnCli(['sweep', '--json'], env).result;
            assert.equal(r.code, 0, r.stderr);
            const out = JSON.parse(r.stdout);
            if (out.skipped) return false;
            next = out;
            return true;
          }, 10_000),
        );
        assert.equal(next!.expired, PAST - mid.expired);
        assert.equal(next!.expiredNotifications, PAST - mid.expired);
        assert.equal(next!.expiringSoonNotifications, SOON);
        const end = await audit(database);
        assert.deepEqual(end, { expired: PAST, noticed: PAST, expiredUnnoticed: 0, noticedActive: 0 });
        const perItem = await database.db
          .selectFrom('notifications')
          .select(['user_product_id', 'type', (eb) => eb.fn.countAll<number>().as('c')])
          .groupBy(['user_product_id', 'type'])
          .having((eb) => eb.fn.countAll(), '>', 1)
          .execute();
        assert.deepEqual(perItem, []);
      } finally {
        await close();
      }
    });
  });
}
