import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { type AppDatabase, openDatabase } from '../../src/db/database.js';
import { addDays } from '../../src/db/dates.js';
import { runExpirySweep } from '../../src/features/expiry/expiry-sweep.js';
import type { NotificationRow } from '../../src/features/notifications/notification-events.js';
import type { DialectName } from '../../src/migrate/index.js';
import { DIALECTS } from '../support/databases.js';
import { insertProduct, insertUser, migratedDatabase } from '../support/inventory-rows.js';

const TODAY = '2026-03-10';
const NOW = new Date(`${TODAY}T12:00:00Z`);

interface Fixture {
  items: { id: string; user_id: string; product_id: string; expiry_date: string | null; status: string }[];
  notes: { user_product_id: string; user_id: string; type: string; expiry_date: string }[];
}

/**
 * One inventory with every case the sweep distinguishes, the same ids in every database it is
 * written to. Many items share a date, so chunks end in the middle of a date.
 */
function fixture(users: string[], products: string[]): Fixture {
  const items: Fixture['items'] = [];
  const notes: Fixture['notes'] = [];
  let n = 0;
  const item = (expiry_date: string | null, status = 'active') => {
    const id = `00000000-0000-4000-8000-${String(++n * 7919).padStart(12, '0')}`;
    items.push({ id, user_id: users[n % 2]!, product_id: products[n % 2]!, expiry_date, status });
    return id;
  };
  for (let i = 0; i < 23; i++) item(addDays(TODAY, -5)); // expire and notify, all one date
  for (let i = 0; i < 5; i++) item(addDays(TODAY, -1 - i * 30)); // expire and notify
  // An item with a notification of `type` for `noted` already (of the same user as the item).
  const noted = (expiry_date: string, type: string, noted: string) => {
    const id = item(expiry_date);
    notes.push({ user_product_id: id, user_id: users[n % 2]!, type, expiry_date: noted });
  };
  // notified for this date already (put back to active): expire, no second notification
  for (let i = 0; i < 3; i++) noted(addDays(TODAY, -2), 'warning', addDays(TODAY, -2));
  // notified for an earlier date, re-dated since: notify again for the new date
  for (let i = 0; i < 2; i++) noted(addDays(TODAY, -3), 'warning', addDays(TODAY, -40));
  for (let i = 0; i < 12; i++) item(addDays(TODAY, i % 3)); // expiring soon
  // already warned
  for (let i = 0; i < 6; i++) noted(addDays(TODAY, i % 3), 'expiring_soon', addDays(TODAY, i % 3));
  for (let i = 0; i < 4; i++) item(addDays(TODAY, 3 + i)); // beyond the window
  for (let i = 0; i < 2; i++) item(null);
  for (let i = 0; i < 3; i++) item(addDays(TODAY, -9), 'consumed');
  for (let i = 0; i < 2; i++) item(addDays(TODAY, -9), 'expired');
  return { items, notes };
}

/** What a database holds after a sweep, without the random notification ids. */
async function state(database: AppDatabase) {
  const notes = await database.db
    .selectFrom('notifications')
    .select(['user_product_id', 'user_id', 'type', 'expiry_date', 'message', 'product_name'])
    .execute();
  const items = await database.db.selectFrom('user_products').select(['id', 'status']).execute();
  return {
    notes: notes.map((r) => JSON.stringify(r)).sort(),
    statuses: new Map(items.map((r) => [r.id, r.status])),
  };
}

/** Fires once on the next notification inserted for `itemId` (used to fail one chunk). */
async function failOnInsertFor(database: AppDatabase, itemId: string): Promise<() => Promise<void>> {
  const d: DialectName = database.dialect;
  const run = (s: string) => sql.raw(s).execute(database.db);
  if (d === 'sqlite') {
    await run(`create trigger fail_one before insert on notifications
      when new.user_product_id = '${itemId}' begin select raise(abort, 'injected failure'); end`);
    return async () => void (await run('drop trigger fail_one'));
  }
  if (d === 'postgres') {
    await run(`create function fail_one() returns trigger language plpgsql as $$
      begin
        if new.user_product_id = '${itemId}' then raise exception 'injected failure'; end if;
        return new;
      end $$`);
    await run(
      'create trigger fail_one before insert on notifications for each row execute function fail_one()',
    );
    return async () => {
      await run('drop trigger fail_one on notifications');
      await run('drop function fail_one()');
    };
  }
  await run(`create trigger fail_one before insert on notifications for each row
    begin
      if new.user_product_id = '${itemId}' then signal sqlstate '45000' set message_text = 'injected failure'; end if;
    end`);
  return async () => void (await run('drop trigger fail_one'));
}

for (const dialect of DIALECTS) {
  describe(`expiry sweep in chunks (${dialect})`, () => {
    test('many small chunks give the notifications and statuses of one big one; each chunk is published once committed', async () => {
      const small = await migratedDatabase(dialect);
      const big = await migratedDatabase(dialect);
      const reader = await openDatabase(small.scratch.parsed, { poolSize: 1 });
      try {
        // The same inventory, ids included, in both databases.
        const users = [
          (await insertUser(small.database, 'alice')).id,
          (await insertUser(small.database, 'bob')).id,
        ];
        const products = [
          await insertProduct(small.database, 'Milk'),
          await insertProduct(small.database, 'Bread'),
        ];
        for (const [table, rows] of [
          ['users', await small.database.db.selectFrom('users').selectAll().execute()],
          ['products', await small.database.db.selectFrom('products').selectAll().execute()],
        ] as const) {
          await big.database.db
            .insertInto(table)
            .values(rows as never)
            .execute();
        }
        const f = fixture(users, products);
        for (const db of [small.database, big.database]) {
          await db.db
            .insertInto('user_products')
            .values(f.items.map((i) => ({ ...i, status: i.status as 'active', added_at: NOW })))
            .execute();
          await db.db
            .insertInto('notifications')
            .values(
              f.notes.map((x) => ({
                ...x,
                id: randomUUID(),
                message: 'earlier',
                product_name: null,
                is_read: true,
                created_at: new Date('2026-01-01T00:00:00Z'),
              })),
            )
            .execute();
        }

        const batches: NotificationRow[][] = [];
        const committedWhenPublished: number[] = [];
        const opts = { now: NOW, timeZone: 'UTC', warningDays: 2 };
        const chunked = await runExpirySweep(small.database, {
          ...opts,
          chunkSize: 7,
          publish: async (rows) => {
            batches.push([...rows]);
            // Seen from another connection: the chunk has committed before it is published.
            const seen = await reader.db
              .selectFrom('notifications')
              .select((eb) => eb.fn.countAll<number>().as('c'))
              .where(
                'id',
                'in',
                rows.map((r) => r.id),
              )
              .executeTakeFirstOrThrow();
            committedWhenPublished.push(Number(seen.c));
          },
        });
        const whole = await runExpirySweep(big.database, { ...opts, collect: true });

        // 33 past items (30 to notify), 12 to warn: 5 + 2 chunks of at most 7.
        assert.deepEqual(
          [chunked.expired, chunked.expiredNotifications, chunked.expiringSoonNotifications, chunked.chunks],
          [33, 30, 12, 7],
        );
        assert.deepEqual(
          [whole.expired, whole.expiredNotifications, whole.expiringSoonNotifications, whole.chunks],
          [33, 30, 12, 2],
        );
        assert.deepEqual(chunked.notifications, [], 'not collected unless asked');
        assert.deepEqual(
          batches.map((b) => b.length),
          [7, 7, 7, 7, 2, 7, 5],
        );
        assert.deepEqual(
          committedWhenPublished,
          batches.map((b) => b.length),
        );
        const published = batches.flat();
        assert.equal(new Set(published.map((n) => n.id)).size, 42);

        const a = await state(small.database);
        const b = await state(big.database);
        assert.deepEqual(a, b);
        // And it is the right answer: every active past item expired, nothing else changed.
        for (const i of f.items) {
          const expect =
            i.status === 'active' && i.expiry_date !== null && i.expiry_date < TODAY ? 'expired' : i.status;
          assert.equal(a.statuses.get(i.id), expect, `${i.id} ${i.expiry_date} ${i.status}`);
        }
        assert.equal(a.notes.length, f.notes.length + 42);
        assert.deepEqual(
          new Set(published.map((n) => `${n.user_product_id}/${n.type}/${n.expiry_date}`)).size,
          42,
        );

        // Nothing left: a second sweep, in chunks too, finds nothing.
        const again = await runExpirySweep(small.database, { ...opts, chunkSize: 7 });
        assert.deepEqual(
          [again.expired, again.expiredNotifications, again.expiringSoonNotifications, again.chunks],
          [0, 0, 0, 0],
        );
      } finally {
        await reader.destroy();
        await small.close();
        await big.close();
      }
    });

    test('a chunk that fails leaves the chunks before it committed, itself undone, and the next sweep finishes', async () => {
      const { database, close } = await migratedDatabase(dialect);
      try {
        const u = await insertUser(database);
        const p = await insertProduct(database, 'Cream');
        // 25 past items on 25 dates: chunks of 5 take them in date order.
        const ids = Array.from({ length: 25 }, () => randomUUID());
        await database.db
          .insertInto('user_products')
          .values(
            ids.map((id, i) => ({
              id,
              user_id: u.id,
              product_id: p,
              expiry_date: addDays('2026-02-01', i),
              status: 'active' as const,
              added_at: NOW,
            })),
          )
          .execute();
        const restore = await failOnInsertFor(database, ids[12]!);
        const published: NotificationRow[][] = [];
        const opts = {
          now: NOW,
          timeZone: 'UTC',
          warningDays: 2,
          chunkSize: 5,
          publish: async (rows: readonly NotificationRow[]) => void published.push([...rows]),
        };
        await assert.rejects(runExpirySweep(database, opts), /injected failure/);

        const after = await database.db
          .selectFrom('user_products as u')
          .leftJoin('notifications as n', 'n.user_product_id', 'u.id')
          .select(['u.id', 'u.status', 'n.type'])
          .execute();
        const byId = new Map(after.map((r) => [r.id, [r.status, r.type]]));
        ids.forEach((id, i) => {
          // Chunks 1 and 2 committed whole; chunk 3 (items 10–14) rolled back whole; the rest untouched.
          assert.deepEqual(byId.get(id), i < 10 ? ['expired', 'warning'] : ['active', null], `item ${i}`);
        });
        assert.deepEqual(
          published.map((b) => b.map((n) => n.user_product_id).sort()),
          [ids.slice(0, 5).sort(), ids.slice(5, 10).sort()],
        );

        await restore();
        const next = await runExpirySweep(database, { ...opts, publish: undefined });
        assert.deepEqual([next.expired, next.expiredNotifications, next.chunks], [15, 15, 3]);
        const notes = await database.db
          .selectFrom('notifications')
          .select(['user_product_id', 'type', 'expiry_date'])
          .orderBy('expiry_date')
          .execute();
        assert.deepEqual(
          notes,
          ids.map((id, i) => ({
            user_product_id: id,
            type: 'warning',
            expiry_date: addDays('2026-02-01', i),
          })),
        );
        const statuses = await database.db.selectFrom('user_products').select('status').distinct().execute();
        assert.deepEqual(statuses, [{ status: 'expired' }]);
      } finally {
        await close();
      }
    });
  });
}
