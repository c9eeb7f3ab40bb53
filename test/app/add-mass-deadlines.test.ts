import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { type AppDatabase, openDatabase } from '../../src/db/database.js';
import { writeProduct } from '../../src/features/catalogue/insert-product.js';
import { signUp } from '../support/app.js';
import { assertPartialMassAdd503, startBoundedServer } from '../support/bounded-server.js';
import { holdUntilReleased } from '../support/hold-row-lock.js';
import { TestSocket } from '../support/sockets.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Another session inserts a catalogue product named `name` and holds its transaction open until
 * `release`, then rolls it back: a request that inserts a product of that name waits on the
 * unique key meanwhile (its look-up does not see the uncommitted row), then goes on.
 */
async function holdName(holder: AppDatabase, name: string): Promise<{ release: () => Promise<void> }> {
  const rolledBack = new Error('rolled back');
  const hold = await holdUntilReleased((held, released) =>
    holder.db
      .transaction()
      .execute(async (tx) => {
        await writeProduct(tx, {
          id: randomUUID(),
          name,
          category: 'Held',
          barcode: null,
          nutritionStatus: 'unknown',
          createdBy: null,
          nutrition: undefined,
          source: 'user',
        });
        held();
        await released;
        throw rolledBack;
      })
      .catch((e: unknown) => {
        if (e !== rolledBack) throw e;
      }),
  );
  return {
    release: async () => {
      hold.release();
      await hold.done;
    },
  };
}

/**
 * Another session locks a PostgreSQL `table` against reads (ACCESS EXCLUSIVE) until `release`: a
 * statement that reads it waits meanwhile.
 */
async function lockTable(holder: AppDatabase, table: string): Promise<{ release: () => Promise<void> }> {
  const hold = await holdUntilReleased((held, released) =>
    holder.db.transaction().execute(async (tx) => {
      await sql`lock table ${sql.table(table)} in access exclusive mode`.execute(tx);
      held();
      await released;
    }),
  );
  return {
    release: async () => {
      hold.release();
      await hold.done;
    },
  };
}

/**
 * Lets go of each hold in turn, `HOLD_MS` apart, then checks that the add-mass waiting on them
 * added everything (its body): each item waited less than the bound, though all together more.
 */
async function addedInTurn(
  holds: { release: () => Promise<void> }[],
  reply: Promise<{ status: number; text: string; body: any }>,
): Promise<any> {
  for (const hold of holds) {
    await sleep(HOLD_MS);
    await hold.release();
  }
  const res = await reply;
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.failed, []);
  return res.body;
}

// Each item waits 1.5 s less than the bound, the two together 1 s more: margins wide enough that a
// loaded CI machine's stalls do not decide the outcome (it was 0.8 s and 0.4 s).
const BOUND_S = 4;
// Each held item waits this long: less than the bound, but two of them more than it.
const HOLD_MS = 2500;

// Each item of an add-mass has a database deadline of its own, its live push included: two items
// that each wait most of DB_TIMEOUT_SECONDS are both added, though together they take longer.
describe("add-mass items each have a database deadline of their own, not the request's", () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: inventory/add-mass adds both catalogue products, though the request's deadline ran out during the second`, async () => {
      const server = await startBoundedServer(dialect, { dbTimeoutSeconds: BOUND_S });
      const holder = await openDatabase(server.scratch.parsed, { poolSize: 2 });
      const holds: { release: () => Promise<void> }[] = [];
      try {
        const user = await signUp(server.baseUrl, 'massdeadline');
        holds.push(await holdName(holder, 'Slow tea'), await holdName(holder, 'Slow rice'));
        const reply = user.api.post('/api/product/inventory/add-mass', {
          products: [
            { productName: 'Slow tea', category: 'Drinks' },
            { productName: 'Slow rice', category: 'Grains' },
          ],
        });
        const added = await addedInTurn(holds, reply);
        assert.deepEqual(
          added.success.map((s: { name: string }) => s.name),
          ['Slow tea', 'Slow rice'],
        );
      } finally {
        for (const h of holds) await h.release();
        await server.close();
        await holder.destroy();
      }
    });
  }
});

// The live push of an added item reads its product (its nutrition) as part of the item's own
// deadline. PostgreSQL only: there a table locked against reads holds up only that read (MariaDB's
// LOCK TABLES also holds up inserting products, the table's foreign-key parent).
describe("an add-mass item's live push reads within the item's deadline", () => {
  test(`postgres: user/add-mass pushes scanned items with their product's nutrition, the last one's read waiting past the request's deadline`, async () => {
    const server = await startBoundedServer('postgres', { dbTimeoutSeconds: BOUND_S });
    const holder = await openDatabase(server.scratch.parsed, { poolSize: 2 });
    const holds: { release: () => Promise<void> }[] = [];
    const user = await signUp(server.baseUrl, 'pushdeadline');
    const socket = new TestSocket(
      `${server.baseUrl.replace('http', 'ws')}/api/ws/notification?access_token=${user.token}`,
    );
    try {
      assert.equal((await socket.next()).type, 'CONNECTION_ESTABLISHED');
      // The first item's push reads its product at once: the request's deadline (if its token
      // check did not start it) starts there. The second item waits on its name; the third's push
      // reads its product's nutrition, which waits on the locked table until after the request's
      // deadline has run out — but not the item's own.
      holds.push(await holdName(holder, 'Slow tea'));
      const reply = user.api.post('/api/product/user/add-mass', {
        products: [
          { productName: 'Fresh rice', is_scanned_product: true },
          { productName: 'Slow tea', quantity: 1 },
          { productName: 'Fresh soup', is_scanned_product: true },
        ],
      });
      const first = await socket.next();
      holds.push(await lockTable(holder, 'nutrition'));
      await addedInTurn(holds, reply);
      const third = await socket.next();
      assert.deepEqual(
        [first, third].map((f) => [f.type, f.data.name, typeof f.data.nutrition]),
        [
          ['Product_Scanned', 'Fresh rice', 'object'],
          ['Product_Scanned', 'Fresh soup', 'object'],
        ],
        "the pushes' reads of their products did not time out",
      );
    } finally {
      await socket.close();
      for (const h of holds) await h.release();
      await server.close();
      await holder.destroy();
    }
  });
});

// The catalogue's add-mass, like the inventory's: a database that stops answering partway makes
// it a 503 that says what was added, what failed and what to send again.
describe('catalogue add-mass when the database becomes unavailable partway', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: the 503 lists what was added, what failed, and what is pending; retrying the pending adds the rest`, async () => {
      const server = await startBoundedServer(dialect, { dbTimeoutSeconds: 1 });
      const holder = await openDatabase(server.scratch.parsed, { poolSize: 1 });
      let hold: { release: () => Promise<void> } | undefined;
      try {
        const user = await signUp(server.baseUrl, 'catmassout');
        const old = await user.api.post('/api/product/inventory/add', {
          productName: 'Old jam',
          category: 'Spreads',
        });
        assert.equal(old.status, 200, old.text);
        // Never released during the request: the fourth product waits past DB_TIMEOUT_SECONDS.
        hold = await holdName(holder, 'Locked jam');
        const products = [
          { productName: 'Fresh tea', category: 'Drinks' },
          { productName: 'Old jam', category: 'Spreads' },
          { productName: 'Fresh rice', category: 'Grains' },
          { productName: 'Locked jam', category: 'Spreads' },
          { productName: 'Later soup', category: 'Soups' },
        ];
        const res = await user.api.post('/api/product/inventory/add-mass', { products });
        assertPartialMassAdd503(res);
        assert.deepEqual(
          res.body.success.map((s: { name: string }) => s.name),
          ['Fresh tea', 'Fresh rice'],
        );
        assert.deepEqual(res.body.failed, [
          { product: products[1], reason: "A product named 'Old jam' already exists in the catalogue" },
        ]);
        assert.deepEqual(res.body.pending, products.slice(3));

        // A statement of a request's deadline that times out names the setting, not what was left.
        const db = server.app.database;
        await assert.rejects(
          db.deadline().run(() =>
            writeProduct(db.db, {
              id: randomUUID(),
              name: 'Locked jam',
              category: 'Spreads',
              barcode: null,
              nutritionStatus: 'unknown',
              createdBy: null,
              nutrition: undefined,
              source: 'user',
            }),
          ),
          { code: 'ETIMEDOUT', message: 'The database did not answer within DB_TIMEOUT_SECONDS (1 s)' },
        );

        await hold.release();
        hold = undefined;
        const names = async () =>
          ((await user.api.get('/api/product/inventory/list')).body.products as { name: string }[])
            .map((p) => p.name)
            .sort();
        assert.deepEqual(await names(), ['Fresh rice', 'Fresh tea', 'Old jam']);
        const retried = await user.api.post('/api/product/inventory/add-mass', {
          products: res.body.pending,
        });
        assert.equal(retried.status, 200, retried.text);
        assert.deepEqual(retried.body.failed, []);
        assert.deepEqual(await names(), ['Fresh rice', 'Fresh tea', 'Later soup', 'Locked jam', 'Old jam']);
      } finally {
        await hold?.release();
        await server.close();
        await holder.destroy();
      }
    });
  }
});
