import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addDays } from '../../src/db/dates.js';
import { newUser, startServer, type TestServer, type TestUser } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';

for (const dialect of DIALECTS) {
  describe(`stats routes on ${dialect}`, () => {
    let server: TestServer;
    let alice: TestUser;
    let bob: TestUser;
    /** The server's today (held from its start). */
    let today = '';
    let milkId: string;
    before(async () => {
      server = await startServer(dialect);
      today = server.today;
      alice = await newUser(server, 'alice');
      bob = await newUser(server, 'bob');
      const cat = async (productName: string, category: string, nutrition?: object) =>
        (await alice.api.post('/api/product/inventory/add', { productName, category, nutrition })).body
          .productId;
      milkId = await cat('Milk', 'Dairy', { energy_kcal: 42, protein: 3.4 });
      await cat('Yogurt', 'Dairy');
      await cat('Apple', 'Fruit');
      await cat('Spinach', 'Veg');
      const add = (u: TestUser, name: string, expiryDate: string | null, quantity = 1) =>
        u.api.post('/api/product/user/add', { name, expiryDate, quantity });
      // Alice: 2 dairy + 1 fruit expired (one stored as expired by the sweep, the others just past),
      // 1 veg discarded, 1 apple eaten, 2 active.
      await add(alice, 'Milk', '2026-01-01', 2);
      await server.app.expirySweep.run(new Date(`${today}T12:00:00Z`));
      await add(alice, 'Yogurt', addDays(today, -1));
      await add(alice, 'Apple', addDays(today, -1), 3);
      const spinach = await add(alice, 'Spinach', addDays(today, 1));
      await alice.api.put(`/api/product/user/update/${spinach.body.itemId}`, { status: 'discarded' });
      const eaten = await add(alice, 'Apple', addDays(today, 2));
      await alice.api.put(`/api/product/user/update/${eaten.body.itemId}`, { status: 'consumed' });
      await add(alice, 'Apple', addDays(today, 2));
      await add(alice, 'Milk', null);
      // Bob's data must never show in Alice's figures.
      await add(bob, 'Milk', '2026-01-01', 50);
      await add(bob, 'Apple', addDays(today, 5), 7);
    });
    after(() => server.close());

    test('expired-products: my expired items grouped by date', async () => {
      const res = await alice.api.get('/api/stats/expired-products');
      assert.equal(res.status, 200);
      const expected = [
        { date: '2026-01-01', expired_count: 1, expired_quantity: 2 },
        { date: addDays(today, -1), expired_count: 2, expired_quantity: 4 },
      ].sort((a, b) => a.date.localeCompare(b.date));
      assert.deepEqual(res.body, expected);
    });

    test('wasted-vs-eaten: real counts — wasted, active, consumed', async () => {
      const res = await alice.api.get('/api/stats/wasted-vs-eaten');
      assert.deepEqual(res.body, [
        { status: 'wasted', count: 4 },
        { status: 'active', count: 2 },
        { status: 'consumed', count: 1 },
      ]);
      const empty = await (await newUser(server, 'empty')).api.get('/api/stats/wasted-vs-eaten');
      assert.deepEqual(empty.body, [
        { status: 'wasted', count: 0 },
        { status: 'active', count: 0 },
        { status: 'consumed', count: 0 },
      ]);
    });

    test('wastage-category: share of my wasted items per category', async () => {
      const res = await alice.api.get('/api/stats/wastage-category');
      assert.deepEqual(res.body, [
        { category: 'Dairy', percentage: 50, count: 2 },
        { category: 'Fruit', percentage: 25, count: 1 },
        { category: 'Veg', percentage: 25, count: 1 },
      ]);
      const none = await (await newUser(server, 'none')).api.get('/api/stats/wastage-category');
      assert.deepEqual(none.body, []);
    });

    test('wastage-category: categories that differ in case or accents are apart, in code-point order, on every database', async () => {
      const erin = await newUser(server, 'erin');
      for (const [name, category] of [
        ['Yogurt erin', 'Dairy'],
        ['Kefir erin', 'dairy'],
        ['Crepe erin', 'Café'],
        ['Scone erin', 'Cafe'],
      ]) {
        const r = await erin.api.post('/api/product/user/add', { name, category, expiryDate: '2020-01-01' });
        assert.equal(r.status, 200, r.text);
      }
      const res = await erin.api.get('/api/stats/wastage-category');
      assert.deepEqual(
        res.body.map((c: { category: string; count: number }) => [c.category, c.count]),
        [
          ['Cafe', 1],
          ['Café', 1],
          ['Dairy', 1],
          ['dairy', 1],
        ],
      );
    });

    test('expiry-trends: per expiry date in the window, never a 500', async () => {
      const res = await alice.api.get('/api/stats/expiry-trends?days=7');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, [
        { date: addDays(today, -1), expiring: 2, consumed: 0, wasted: 2, wasted_cost: 4 },
        { date: addDays(today, 1), expiring: 1, consumed: 0, wasted: 1, wasted_cost: 1 },
        { date: addDays(today, 2), expiring: 2, consumed: 1, wasted: 0, wasted_cost: 0 },
      ]);
      assert.equal((await alice.api.get('/api/stats/expiry-trends?days=0')).status, 422);
      assert.equal((await alice.api.get('/api/stats/expiry-trends?days=x')).status, 422);
    });

    test('nutrients: numbers or null, by product or by my item; unknown is 404', async () => {
      const res = await bob.api.get(`/api/stats/nutrients/${milkId}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.item, 'Milk');
      assert.equal(res.body.nutrients.energy_kcal, 42);
      assert.equal(res.body.nutrients.protein, 3.4);
      assert.equal(res.body.nutrients.vitamin_c, null);
      assert.equal(res.body.units.energy_kcal, 'kcal');
      const noNutrition = await alice.api.get('/api/product/inventory/list?name=yogurt');
      const y = await alice.api.get(`/api/stats/nutrients/${noNutrition.body.products[0].id}`);
      assert.equal(y.status, 200, 'a product without nutrition is not a 500');
      assert.ok(Object.values(y.body.nutrients).every((v) => v === null));
      const item = (await alice.api.get('/api/product/user/list?name=milk')).body.products[0];
      assert.equal((await alice.api.get(`/api/stats/nutrients/${item.itemId}`)).body.item, 'Milk');
      assert.equal(
        (await bob.api.get(`/api/stats/nutrients/${item.itemId}`)).status,
        404,
        "not through another's item",
      );
      const unknown = await alice.api.get('/api/stats/nutrients/does-not-exist');
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.body, { detail: 'Product not found' });
    });

    test('every stats route needs a token', async () => {
      for (const p of [
        'expired-products',
        'expiry-trends',
        'wastage-category',
        'wasted-vs-eaten',
        `nutrients/${milkId}`,
      ]) {
        assert.equal((await server.client().get(`/api/stats/${p}`)).status, 401, p);
      }
    });
  });
}
