import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type AppDatabase, columnKinds, openDatabase } from '../../src/db/database.js';
import { metadata } from '../../src/models/index.js';
import { migrateToHead } from '../support/app.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';

describe('value normaliser', () => {
  test('knows the boolean and timestamp columns of the models', () => {
    const { booleans, timestamps } = columnKinds(metadata.schema());
    for (const b of ['expiry_estimated', 'is_read']) assert.ok(booleans.has(b), b);
    for (const t of ['added_at', 'created_at', 'scanned_at', 'updated_at']) assert.ok(timestamps.has(t), t);
    for (const other of ['id', 'expiry_date', 'dob', 'quantity', 'energy_kcal']) {
      assert.ok(!booleans.has(other) && !timestamps.has(other), other);
    }
  });
  test('refuses a column name used as two kinds', () => {
    assert.throws(
      () =>
        columnKinds({
          tables: [
            { name: 'a', columns: [{ name: 'x', type: 'boolean', nullable: false }] },
            { name: 'b', columns: [{ name: 'x', type: 'text', nullable: false }] },
          ],
        }),
      /is a boolean in one table and a other in another/,
    );
  });
});

for (const dialect of DIALECTS) {
  describe(`data layer on ${dialect}`, () => {
    let scratch: ScratchDatabase;
    let database: AppDatabase;
    const queries: string[] = [];
    before(async () => {
      scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      database = await openDatabase(scratch.parsed, { onQuery: (q) => queries.push(q) });
    });
    after(async () => {
      await database.destroy();
      await scratch.drop();
    });

    test('values round-trip identically: Date (ms, UTC), boolean, date, numeric, null', async () => {
      const db = database.db;
      const created = new Date('2026-03-04T05:06:07.891Z');
      await db
        .insertInto('users')
        .values({
          id: 'u1',
          email: 'u1@example.com',
          password_hash: 'x',
          name: 'U',
          dob: '1999-12-31',
          created_at: created,
        })
        .execute();
      await db
        .insertInto('products')
        .values({ id: 'p1', name: 'Apple', name_key: 'apple', created_by: 'u1' })
        .execute();
      await db
        .insertInto('nutrition')
        .values({ id: 'n1', product_id: 'p1', energy_kcal: 52, carbohydrate: 13.81, protein: null })
        .execute();
      await db
        .insertInto('user_products')
        .values({
          id: 'i1',
          user_id: 'u1',
          product_id: 'p1',
          expiry_date: '2026-12-01',
          expiry_estimated: true,
          added_at: created,
        })
        .execute();
      // Server defaults for quantity, status and added_at (a multi-row insert would send NULL on SQLite).
      await db
        .insertInto('user_products')
        .values({ id: 'i2', user_id: 'u1', product_id: 'p1', expiry_date: null, expiry_estimated: false })
        .execute();

      const user = await db.selectFrom('users').selectAll().where('id', '=', 'u1').executeTakeFirstOrThrow();
      assert.ok(user.created_at instanceof Date);
      assert.equal(user.created_at.toISOString(), '2026-03-04T05:06:07.891Z');
      assert.equal(user.dob, '1999-12-31');
      assert.equal(user.updated_at, null);

      const items = await db.selectFrom('user_products').selectAll().orderBy('id').execute();
      assert.deepEqual(
        items.map((i) => [i.id, i.expiry_date, i.expiry_estimated, i.quantity, i.status]),
        [
          ['i1', '2026-12-01', true, 1, 'active'],
          ['i2', null, false, 1, 'active'],
        ],
      );
      assert.equal(items[0]!.added_at.toISOString(), created.toISOString());
      // The server default (CURRENT_TIMESTAMP) also comes back as a Date, in UTC, close to now.
      assert.ok(items[1]!.added_at instanceof Date);
      assert.ok(
        Math.abs(items[1]!.added_at.getTime() - Date.now()) < 60_000,
        items[1]!.added_at.toISOString(),
      );

      const n = await db.selectFrom('nutrition').selectAll().executeTakeFirstOrThrow();
      assert.equal(n.energy_kcal, 52);
      assert.equal(n.carbohydrate, 13.81);
      assert.equal(n.protein, null);

      // Date and boolean parameters in WHERE clauses.
      const since = await db
        .selectFrom('user_products')
        .select('id')
        .where('added_at', '>=', new Date('2026-03-04T05:06:07.891Z'))
        .where('added_at', '<', new Date('2026-03-04T05:06:07.892Z'))
        .execute();
      assert.deepEqual(
        since.map((r) => r.id),
        ['i1'],
      );
      const estimated = await db
        .selectFrom('user_products')
        .select('id')
        .where('expiry_estimated', '=', true)
        .execute();
      assert.deepEqual(
        estimated.map((r) => r.id),
        ['i1'],
      );
      const inList = await db
        .selectFrom('user_products')
        .select('id')
        .where('expiry_estimated', 'in', [false])
        .execute();
      assert.deepEqual(
        inList.map((r) => r.id),
        ['i2'],
      );
      // Raw SQL parameters are normalised too.
      const raw = await sql<{
        c: number;
      }>`select count(*) as c from users where created_at = ${created}`.execute(db);
      assert.equal(Number(raw.rows[0]!.c), 1);
    });

    test('updates with Date and boolean values, and notifications booleans', async () => {
      const db = database.db;
      const at = new Date('2027-01-02T03:04:05.006Z');
      await db
        .updateTable('user_products')
        .set({ updated_at: at, expiry_estimated: false })
        .where('id', '=', 'i1')
        .execute();
      const row = await db
        .selectFrom('user_products')
        .select(['updated_at', 'expiry_estimated'])
        .where('id', '=', 'i1')
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { updated_at: at, expiry_estimated: false });
      await db
        .insertInto('notifications')
        .values({ id: 'm1', user_id: 'u1', type: 'info', message: 'hi', is_read: false, created_at: at })
        .execute();
      await db.updateTable('notifications').set({ is_read: true }).where('id', '=', 'm1').execute();
      const m = await db
        .selectFrom('notifications')
        .select(['is_read', 'created_at'])
        .executeTakeFirstOrThrow();
      assert.deepEqual(m, { is_read: true, created_at: at });
    });

    test('the query counter sees every executed query', async () => {
      const before = queries.length;
      await database.db.selectFrom('users').select('id').execute();
      await database.db.selectFrom('products').select('id').execute();
      assert.equal(queries.length - before, 2);
    });
  });
}

/**
 * PostgreSQL sessions take the database's (or role's, or server's) TimeZone and DateStyle. A
 * timestamptz is an instant whatever the zone, but node-postgres reads dates and timestamps only
 * in the ISO output style: under `DateStyle = 'SQL, DMY'` a DATE came back as '31/12/1999' and
 * every timestamp as null. The pool pins the output style; the zone may stay the database's.
 */
if (DIALECTS.includes('postgres')) {
  test('PostgreSQL with its own TimeZone and DateStyle: dates and instants read back unchanged', async () => {
    const scratch = await scratchDatabase('postgres');
    try {
      await migrateToHead(scratch);
      const admin = await openDatabase(scratch.parsed, { poolSize: 1 });
      await sql`alter database ${sql.id(scratch.parsed.database!)} set timezone to 'Pacific/Auckland'`.execute(
        admin.db,
      );
      await sql`alter database ${sql.id(scratch.parsed.database!)} set datestyle to 'SQL, DMY'`.execute(
        admin.db,
      );
      await admin.destroy();

      const database = await openDatabase(scratch.parsed, { poolSize: 2 });
      try {
        const db = database.db;
        const session = await sql<{ tz: string }>`select current_setting('TimeZone') as tz`.execute(db);
        // The database's zone (or PGOPTIONS's, when the run sets one): not UTC either way.
        assert.ok(!['UTC', 'Etc/UTC'].includes(session.rows[0]!.tz), session.rows[0]!.tz);
        const created = new Date('2026-03-01T11:30:00.123Z');
        await db
          .insertInto('users')
          .values({
            id: 'u1',
            email: 'u1@example.com',
            password_hash: 'x',
            dob: '1999-12-31',
            created_at: created,
          })
          .execute();
        await db.insertInto('products').values({ id: 'p1', name: 'Milk', name_key: 'milk' }).execute();
        // added_at from the server default (CURRENT_TIMESTAMP), 11:30 UTC being 00:30 next day in Auckland.
        await db
          .insertInto('user_products')
          .values({ id: 'i1', user_id: 'u1', product_id: 'p1', expiry_date: '2026-03-01' })
          .execute();
        const user = await db.selectFrom('users').select(['dob', 'created_at']).executeTakeFirstOrThrow();
        assert.equal(user.dob, '1999-12-31');
        assert.equal(user.created_at?.toISOString(), created.toISOString());
        const item = await db
          .selectFrom('user_products')
          .select(['expiry_date', 'added_at'])
          .executeTakeFirstOrThrow();
        assert.equal(item.expiry_date, '2026-03-01');
        assert.ok(item.added_at instanceof Date && Math.abs(item.added_at.getTime() - Date.now()) < 60_000);
        const due = await db
          .selectFrom('user_products')
          .select('id')
          .where('expiry_date', '<', '2026-03-02')
          .where('added_at', '>', created)
          .execute();
        assert.deepEqual(
          due.map((r) => r.id),
          ['i1'],
        );
      } finally {
        await database.destroy();
      }
    } finally {
      await scratch.drop();
    }
  });
}
