import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type KyselyPlugin, type PluginTransformResultArgs, sql } from 'kysely';
import { openDatabase } from '../../src/db/database.js';
import { inTransaction } from '../../src/features/catalogue/in-transaction.js';
import { insertProduct } from '../../src/features/catalogue/insert-product.js';
import { InventoryService } from '../../src/features/inventory/service.js';
import { newUser, startServer, type TestServer } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { lockWaits } from '../support/lock-waits.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tally(statuses: number[]): Record<number, number> {
  const t: Record<number, number> = {};
  for (const s of statuses) t[s] = (t[s] ?? 0) + 1;
  return t;
}

// Requests that race each other over real HTTP. SQLite's writers take turns, so these pass there
// by construction; on MariaDB and PostgreSQL they caught real races (found by an audit of the API).
for (const dialect of DIALECTS) {
  describe(`racing requests on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(dialect);
    });
    after(() => server.close());

    test('one item deleted by several requests at once, and updated meanwhile: one delete succeeds, nothing else claims to', async () => {
      const alice = await newUser(server, 'alice');
      for (let round = 0; round < 5; round++) {
        const added = await alice.api.post('/api/product/user/add', {
          name: `Racing milk ${round}`,
          quantity: 1,
          expiryDate: '2030-01-01',
        });
        assert.equal(added.status, 200, added.text);
        const id = added.body.itemId as string;
        const answers = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            i % 2 === 0
              ? sleep(i).then(() => alice.api.delete(`/api/product/user/delete/${id}`))
              : alice.api.put(`/api/product/user/update/${id}`, { quantity: i, status: 'consumed' }),
          ),
        );
        const deletes = tally(answers.filter((_, i) => i % 2 === 0).map((a) => a.status));
        assert.deepEqual(deletes, { 200: 1, 404: 5 }, `round ${round}: ${JSON.stringify(deletes)}`);
        // An update answered 200 ran before the delete; after it, updates are 404.
        for (const a of answers) assert.ok([200, 404].includes(a.status), a.text);
        const left = await alice.api.get('/api/product/user/list');
        assert.equal(
          left.body.products.filter((item: { itemId: string }) => item.itemId === id).length,
          0,
          'the item is gone',
        );
      }
    });

    test("the owner changes a product's barcode while another user adds it by that barcode: never both", async () => {
      const owner = await newUser(server, 'owner');
      const other = await newUser(server, 'other');
      for (let round = 0; round < 15; round++) {
        const barcode = `${400000000000 + round * 7 + Math.floor(Math.random() * 5)}`.slice(0, 12);
        const created = await owner.api.post('/api/product/inventory/add', {
          productName: `Racing beans ${round} ${Date.now()}`,
          category: 'Canned',
          barcode,
        });
        assert.equal(created.status, 200, created.text);
        const [change, add] = await Promise.all([
          owner.api.put(`/api/product/inventory/update/${created.body.productId}`, {
            barcode: `9${barcode}`,
          }),
          other.api.post(`/api/product/user/add?barcode=${barcode}`, {}),
        ]);
        // Either the change came first (the old barcode is unknown: 404; or, found just before,
        // it changed meanwhile: 409) or the add did (the product is in another inventory: 409).
        // Both succeeding leaves Other holding a product its owner changed under them.
        assert.ok(
          [200, 409].includes(change.status) && [200, 404, 409].includes(add.status),
          `round ${round}: change ${change.status} ${change.text}, add ${add.status} ${add.text}`,
        );
        assert.ok(
          !(change.status === 200 && add.status === 200),
          `round ${round}: both succeeded: ${change.text} / ${add.text}`,
        );
      }
    });

    test('the same new name added at once: one catalogue entry, whatever the case of its letters', async () => {
      const users = await Promise.all([newUser(server, 'n1'), newUser(server, 'n2'), newUser(server, 'n3')]);
      const name = `Racing oats ${Date.now()}`;
      const catalogue = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          users[i % 3]!.api.post('/api/product/inventory/add', {
            productName: i % 2 ? name : name.toUpperCase(),
            category: 'Cereal',
          }),
        ),
      );
      assert.deepEqual(tally(catalogue.map((a) => a.status)), { 200: 1, 409: 11 });
      // Adding to inventories by a new name creates the entry once; everyone gets that one.
      const other = `Racing rye ${Date.now()}`;
      const items = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          users[i % 3]!.api.post('/api/product/user/add', {
            name: i % 2 ? other : other.toLowerCase(),
            quantity: 1,
          }),
        ),
      );
      assert.deepEqual(tally(items.map((a) => a.status)), { 200: 12 }, items.map((a) => a.text).join('\n'));
      assert.equal(new Set(items.map((a) => a.body.productId)).size, 1, 'one catalogue entry');
      const listed = await users[0]!.api.get(
        `/api/product/inventory/list?name=${encodeURIComponent('racing')}`,
      );
      const names = listed.body.products.map((p: { name: string }) => p.name.toLowerCase());
      assert.equal(names.filter((n: string) => n === name.toLowerCase()).length, 1);
      assert.equal(names.filter((n: string) => n === other.toLowerCase()).length, 1);
    });

    test('an account deleted while its list is being added: the items fail for that reason, no error is logged', async () => {
      // The end of that race, made certain: the user row is gone when the items are inserted.
      const errors: unknown[] = [];
      const service = new InventoryService(server.database, (e) => errors.push(e));
      const gone = { id: '00000000-0000-4000-8000-00000000dead', email: 'gone@example.com' };
      const result = await service.addMass(gone, [
        { productName: `Orphan tea ${Date.now()}`, quantity: 1 },
        { productName: 'Orphan coffee', quantity: 2 },
      ]);
      assert.deepEqual(result.success, []);
      assert.deepEqual(
        result.failed.map((f) => f.reason),
        ['The account no longer exists', 'The account no longer exists'],
      );
      assert.deepEqual(errors, []);
    });

    test("an account deleted while the user's new catalogue entry is being committed: the entry goes with the account", {
      skip: dialect === 'sqlite' && 'SQLite writers take turns: the deletion runs wholly before or after',
    }, async () => {
      const leaver = await newUser(server, 'leaver');
      // The user's "add an item under a new name" (a catalogue entry of theirs and their item of
      // it), held uncommitted on a connection of its own while the deletion starts.
      const other = await openDatabase(server.scratch.parsed, { poolSize: 1 });
      try {
        let commit!: () => void;
        const committing = new Promise<void>((r) => {
          commit = r;
        });
        let productId = '';
        let inserted = false;
        const adding = other.db.transaction().execute(async (tx) => {
          productId = (await insertProduct(tx, leaver, { name: `Diary ${dialect} ${Date.now()}` })).id;
          await tx
            .insertInto('user_products')
            .values({ id: randomUUID(), user_id: leaver.id, product_id: productId, added_at: new Date() })
            .execute();
          inserted = true;
          await committing;
        });
        assert.ok(await eventually(() => inserted));
        const deleting = leaver.api.post('/api/user/delete-account', { password: leaver.password });
        // The deletion waits for the add's lock on the user row; then the add commits.
        assert.ok(await eventually(async () => (await lockWaits(server.database)) > 0, 5000));
        commit();
        await adding;
        const deleted = await deleting;
        assert.equal(deleted.status, 200, deleted.text);
        const left = await server.database.db
          .selectFrom('products')
          .select(['id', 'created_by'])
          .where('id', '=', productId)
          .execute();
        assert.deepEqual(left, [], 'no ownerless entry that nobody holds is left behind');
      } finally {
        await other.destroy();
      }
    });

    test('a deadlock between two transactions is retried, not reported', {
      skip: dialect === 'sqlite' && 'SQLite writers take turns: no deadlock',
    }, async () => {
      const a = await newUser(server, 'lock-a');
      const b = await newUser(server, 'lock-b');
      // Each transaction updates one user row, waits for the other to have done the same, then
      // updates the other row: a deadlock on the first attempt. The waits are passed once.
      let arrived = 0;
      let bothHere!: () => void;
      const barrier = new Promise<void>((r) => {
        bothHere = r;
      });
      const meet = async () => {
        if (++arrived === 2) bothHere();
        await Promise.race([barrier, sleep(2000)]);
      };
      let attempts = 0;
      const crossing = (first: string, second: string) =>
        inTransaction(server.database, async (tx) => {
          attempts++;
          await tx.updateTable('users').set({ name: sql`name` }).where('id', '=', first).execute();
          await meet();
          await tx.updateTable('users').set({ name: sql`name` }).where('id', '=', second).execute();
          return 'done';
        });
      const results = await Promise.allSettled([crossing(a.id, b.id), crossing(b.id, a.id)]);
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))),
        ['done', 'done'],
      );
      assert.ok(attempts >= 3, `one of them ran again (${attempts} attempts)`);
    });
    test("an item updated while another transaction changes its other fields: both stay, the sweep's 'expired' too", {
      skip:
        dialect === 'sqlite' &&
        'SQLite writers take turns: the other transaction runs wholly before or after',
    }, async () => {
      const owner = await newUser(server, 'editor');
      const added = await owner.api.post('/api/product/user/add', {
        name: `Racing yoghurt ${Date.now()}`,
        quantity: 1,
        expiryDate: '2020-01-01',
      });
      assert.equal(added.status, 200, added.text);
      const id = added.body.itemId as string;
      // Another update (of the notes), and the sweep marking the item expired, held uncommitted on
      // a connection of their own while the request updates the quantity.
      const other = await openDatabase(server.scratch.parsed, { poolSize: 1 });
      try {
        let commit!: () => void;
        const committing = new Promise<void>((r) => {
          commit = r;
        });
        let held = false;
        const holding = other.db.transaction().execute(async (tx) => {
          await tx
            .updateTable('user_products')
            .set({ notes: 'opened', status: 'expired' })
            .where('id', '=', id)
            .execute();
          held = true;
          await committing;
        });
        assert.ok(await eventually(() => held));
        const updating = owner.api.put(`/api/product/user/update/${id}`, { quantity: 7 });
        assert.ok(await eventually(async () => (await lockWaits(server.database)) > 0, 5000));
        commit();
        await holding;
        const answer = await updating;
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.body.notes, 'opened');
        assert.equal(answer.body.status, 'expired');
        const row = await server.database.db
          .selectFrom('user_products')
          .select(['quantity', 'notes', 'status'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.deepEqual(row, { quantity: 7, notes: 'opened', status: 'expired' });
      } finally {
        await other.destroy();
      }
    });

    test('a new name committed by another request between the look-up and the insert: the add uses that entry', async () => {
      const user = await newUser(server, 'namer');
      const other = await openDatabase(server.scratch.parsed, { poolSize: 1 });
      try {
        for (const how of ['add', 'add-mass'] as const) {
          const name = `Racing loaf ${how} ${Date.now()}`;
          // Right after the service's look-up of the name found nothing, another request's entry
          // of that name is committed (on PostgreSQL the insert's own check then sees it).
          let competitor: string | undefined;
          const lookups = new Set<unknown>();
          const interleave: KyselyPlugin = {
            transformQuery(args) {
              const text = JSON.stringify(args.node);
              if (args.node.kind === 'SelectQueryNode' && text.includes('"name_key"'))
                lookups.add(args.queryId);
              return args.node;
            },
            async transformResult(args: PluginTransformResultArgs) {
              if (lookups.has(args.queryId) && args.result.rows.length === 0 && competitor === undefined) {
                competitor = (await other.db.transaction().execute((tx) => insertProduct(tx, user, { name })))
                  .id;
              }
              return args.result;
            },
          };
          const service = new InventoryService({
            ...server.database,
            db: server.database.db.withPlugin(interleave),
          });
          const productId =
            how === 'add'
              ? (await service.add(user, { name, quantity: 1 })).productId
              : await service.addMass(user, [{ productName: name, quantity: 1 }]).then((r) => {
                  assert.deepEqual(r.failed, []);
                  return r.success[0]!.productId;
                });
          assert.ok(competitor, `${how}: the interleaving happened`);
          assert.equal(productId, competitor, `${how}: the entry committed meanwhile is used`);
        }
      } finally {
        await other.destroy();
      }
    });
  });
}
