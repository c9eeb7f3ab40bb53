import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CompiledQuery } from 'kysely';
import { addDays } from '../../src/db/dates.js';
import { INVENTORY_NUTRIENT_ORDER } from '../../src/features/catalogue/nutrition.js';
import { listPageQuery } from '../../src/features/inventory/list-items.js';
import { estimateExpiry, shelfLifeDays } from '../../src/features/inventory/shelf-life.js';
import { newUser, startServer, type TestServer, type TestUser } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';
import { TestSocket } from '../support/sockets.js';

describe('shelf-life table', () => {
  test('by name, by a word of the name, plural forms, then by category', () => {
    assert.deepEqual(shelfLifeDays('Banana'), { days: 5, basis: 'product' });
    assert.deepEqual(shelfLifeDays('green apples'), { days: 10, basis: 'product' });
    assert.deepEqual(shelfLifeDays('Cherry tomatoes'), { days: 7, basis: 'product' });
    assert.deepEqual(shelfLifeDays('Strawberries'), { days: 4, basis: 'product' });
    assert.deepEqual(shelfLifeDays('Mystery box', 'Dairy'), { days: 7, basis: 'category' });
    assert.equal(shelfLifeDays('Mystery box', 'Misc'), undefined);
    assert.equal(estimateExpiry('Milk', null, '2026-01-30'), '2026-02-06');
    assert.equal(estimateExpiry('Widget', null), undefined);
  });
});

const ITEM_KEYS = [
  'id',
  'itemId',
  'productId',
  'name',
  'category',
  'quantity',
  'expiryDate',
  'expiryEstimated',
  'daysUntilExpiry',
  'nutrition',
  'nutritionStatus',
  'addedAt',
  'status',
  'notes',
  'updatedAt',
].sort();

for (const dialect of DIALECTS) {
  describe(`inventory routes on ${dialect}`, () => {
    let server: TestServer;
    let alice: TestUser;
    let bob: TestUser;
    /** The server's today (held from its start). */
    let today = '';
    before(async () => {
      server = await startServer(dialect);
      today = server.today;
      alice = await newUser(server, 'alice');
      bob = await newUser(server, 'bob');
      await alice.api.post('/api/product/inventory/add', {
        productName: 'Apple',
        category: 'Fruit',
        barcode: '4006381333931',
        nutrition: { energy_kcal: 52 },
      });
    });
    after(() => server.close());

    const add = (u: TestUser, body: unknown, query = '') => u.api.post(`/api/product/user/add${query}`, body);

    test('add by name: matches the catalogue case-insensitively, or adds to it', async () => {
      const res = await add(bob, {
        name: 'APPLE',
        quantity: 2,
        notes: 'from market',
        expiryDate: '2030-05-01',
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.message, 'New Product added to user inventory successfully');
      assert.equal(res.body.name, 'Apple', 'the catalogue spelling');
      assert.equal(res.body.quantity, 2);
      assert.equal(res.body.expiryDate, '2030-05-01');
      assert.equal(res.body.expiryEstimated, false);
      assert.equal(res.body.notes, 'from market');
      assert.equal(res.body.status, 'active');
      assert.notEqual(res.body.itemId, res.body.productId);
      const fresh = await add(bob, { name: 'Dragon Fruit', category: 'Fruit' });
      assert.equal(fresh.status, 200);
      assert.equal(
        fresh.body.expiryDate,
        null,
        'no date given and none asked for: unknown, not "now + 10 s"',
      );
      assert.equal(fresh.body.quantity, 1);
      const cat = await bob.api.get('/api/product/inventory/list?name=dragon');
      assert.equal(cat.body.products[0].category, 'Fruit');
      assert.equal(cat.body.products[0].isOwner, true);
      const dt = await add(bob, { name: 'Dragon Fruit', expiryDate: '2030-01-02T10:20:30.123456' });
      assert.equal(dt.body.expiryDate, '2030-01-02', 'a date-time keeps its day');
      assert.equal(dt.body.productId, fresh.body.productId, 'same catalogue product');
      // The time must be a real one, and so must the offset.
      for (const impossible of ['2030-01-02T25:00:00Z', '2030-01-02T10:99', '2030-01-02T10:20:30+99:99']) {
        const bad = await add(bob, { name: 'Dragon Fruit', expiryDate: impossible });
        assert.equal(bad.status, 422, `${impossible}: ${bad.text}`);
        assert.equal(bad.body.errors[0].field, 'expiryDate');
      }
    });

    test('add: expiry estimated for scans and on request, from the shelf-life table', async () => {
      const scanned = await add(alice, { name: 'banana', quantity: 3, isScannedProduct: true });
      assert.equal(scanned.status, 200, scanned.text);
      assert.equal(scanned.body.expiryDate, addDays(today, 5));
      assert.equal(scanned.body.expiryEstimated, true);
      const asked = await add(alice, {
        name: 'Milk',
        category: 'Dairy',
        estimateExpiry: true,
        expiryDate: '2020-01-01',
      });
      assert.equal(asked.body.expiryDate, addDays(today, 7));
      const unknown = await add(alice, { name: 'Widgetfood', isScannedProduct: true });
      assert.equal(unknown.body.expiryDate, null, 'nothing known: no date rather than an invented one');
      assert.equal(unknown.body.expiryEstimated, false);
      const given = await add(alice, { name: 'banana', isScannedProduct: true, expiryDate: '2031-01-01' });
      assert.equal(given.body.expiryDate, '2031-01-01', "the user's date wins over the estimate");
      const notes = await alice.api.get('/api/notification/list');
      assert.ok(notes.body.notifications.filter((n: { type: string }) => n.type === 'info').length >= 3);
    });

    test('add by barcode: the product with that code; body optional; scan recorded', async () => {
      const res = await alice.api.send('POST', '/api/product/user/add?barcode=4006381333931');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.name, 'Apple');
      assert.equal(res.body.quantity, 1);
      assert.equal(res.body.notes, 'Scanned Via Barcode with Code 4006381333931');
      assert.equal(res.body.expiryDate, addDays(today, 10));
      assert.equal(res.body.expiryEstimated, true);
      const withBody = await add(alice, {}, '?barcode=4006381333931');
      assert.equal(withBody.status, 200);
      const logs = await server.database.db
        .selectFrom('scan_logs')
        .select(['barcode', 'status'])
        .where('user_id', '=', alice.id)
        .execute();
      assert.equal(logs.length, 2);
      const missing = await add(alice, {}, '?barcode=0000000000000');
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { detail: 'Product not found for the provided barcode' });
      assert.equal((await add(alice, {}, '?barcode=bad%20code')).status, 422);
      // An empty note is no note, on add as on update; a barcode add gets no default then.
      const blank = await add(alice, { notes: '' }, '?barcode=4006381333931');
      assert.equal(blank.status, 200, blank.text);
      assert.equal(blank.body.notes, null);
    });

    test('add by barcode: a UPC-A finds the product stored under its EAN-13 form, and the other way round', async () => {
      for (const [stored, asked, name] of [
        ['051000012616', '0051000012616', 'Tomato Soup Can'],
        ['0036000291452', '036000291452', 'Cola Can'],
      ] as const) {
        const made = await alice.api.post('/api/product/inventory/add', {
          productName: name,
          category: 'Canned',
          barcode: stored,
        });
        assert.equal(made.status, 200, made.text);
        const res = await add(bob, {}, `?barcode=${asked}`);
        assert.equal(res.status, 200, `${asked}: ${res.text}`);
        assert.equal(res.body.name, name);
        assert.equal(res.body.notes, `Scanned Via Barcode with Code ${asked}`);
      }
    });

    test('estimateExpiry for a product the shelf-life table does not know keeps the date: given on add, stored on update', async () => {
      const added = await add(alice, {
        name: 'Zorblax paste',
        expiryDate: '2027-03-01',
        estimateExpiry: true,
      });
      assert.equal(added.status, 200, added.text);
      assert.deepEqual([added.body.expiryDate, added.body.expiryEstimated], ['2027-03-01', false]);
      const past = await add(alice, { name: 'Zorblax paste', expiryDate: addDays(today, -3) });
      for (const item of [added.body, past.body]) {
        const r = await alice.api.put(`/api/product/user/update/${item.itemId}`, { estimateExpiry: true });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.expiryDate, item.expiryDate, 'not wiped');
      }
      const list = await alice.api.get('/api/product/user/list?name=zorblax');
      const byId = new Map(
        list.body.products.map((p: { itemId: string; status: string }) => [p.itemId, p.status]),
      );
      assert.equal(
        byId.get(past.body.itemId),
        'expired',
        'an expired item does not come back to life by losing its date',
      );
      // Where the table has an estimate, it still wins over a date given.
      const banana = await add(alice, { name: 'banana', expiryDate: '2031-01-01', estimateExpiry: true });
      assert.deepEqual([banana.body.expiryDate, banana.body.expiryEstimated], [addDays(today, 5), true]);
    });

    test("add: a form's blank category and expiry date are none given, as the original ignored them", async () => {
      const res = await add(alice, { name: 'Quince', quantity: 2, category: '', expiryDate: '', notes: '' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.expiryDate, null);
      assert.equal(res.body.expiryEstimated, false);
      const cat = await alice.api.get('/api/product/inventory/list?name=quince');
      assert.equal(cat.body.products[0].category, 'Uncategorized');
      const scanned = await add(alice, { name: 'banana', expiryDate: '', isScannedProduct: true });
      assert.equal(scanned.status, 200, scanned.text);
      assert.equal(scanned.body.expiryDate, addDays(today, 5), 'estimated, as with no date at all');
    });

    test("add: a scan's live Product_Scanned push carries the item and its product's nutrition, as the original's did", async () => {
      const erin = await newUser(server, 'erin');
      const socket = new TestSocket(
        `${server.baseUrl.replace('http', 'ws')}/api/ws/notification?access_token=${erin.token}`,
      );
      try {
        assert.equal((await socket.next()).type, 'CONNECTION_ESTABLISHED');
        const byBarcode = await add(erin, {}, '?barcode=4006381333931');
        assert.equal(byBarcode.status, 200, byBarcode.text);
        const byName = await add(erin, { name: 'apple', quantity: 2, isScannedProduct: true });
        assert.equal(byName.status, 200, byName.text);
        for (const added of [byBarcode.body, byName.body]) {
          const frame = await socket.next();
          assert.equal(frame.type, 'Product_Scanned');
          assert.equal(frame.message, 'Product Scanned successfully');
          const { data } = frame;
          assert.deepEqual(
            [data.itemId, data.name, data.quantity, data.notes, data.expiryDate],
            [added.itemId, 'Apple', added.quantity, added.notes, added.expiryDate],
          );
          assert.deepEqual(Object.keys(data.nutrition), [...INVENTORY_NUTRIENT_ORDER]);
          assert.equal(data.nutrition.energy_kcal, '52.00');
          assert.equal(data.nutrition.protein, 'N/A');
        }
      } finally {
        await socket.close();
      }
    });

    test('add: invalid input is 422 naming the field; no token 401', async () => {
      const cases: [unknown, string][] = [
        [{}, 'name'],
        [{ quantity: 1 }, 'name'],
        [{ name: 'Ki' }, 'name'],
        [{ name: '   ' }, 'name'],
        [{ name: 'Kiwi', quantity: 1.5 }, 'quantity'],
        [{ name: 'Kiwi', quantity: 'abc' }, 'quantity'],
        [{ name: 'Kiwi', quantity: '7 apples' }, 'quantity'],
        [{ name: 'Kiwi', quantity: '7.5' }, 'quantity'],
        [{ name: 'Kiwi', quantity: '' }, 'quantity'],
        [{ name: 'Kiwi', quantity: -5 }, 'quantity'],
        [{ name: 'Kiwi', quantity: 0 }, 'quantity'],
        [{ name: 'Kiwi', quantity: null }, 'quantity'],
        [{ name: 'Kiwi', isScannedProduct: 'maybe' }, 'isScannedProduct'],
        [{ name: 'Kiwi', expiryDate: 'not-a-date' }, 'expiryDate'],
        [{ name: 'Kiwi', expiryDate: '2026-02-30' }, 'expiryDate'],
        [{ name: 'Kiwi', expiryDate: '0001-01-01' }, 'expiryDate'],
        [{ name: 'Kiwi', notes: 'x'.repeat(2001) }, 'notes'],
        [{ name: ['Kiwi'] }, 'name'],
      ];
      for (const [body, field] of cases) {
        const res = await add(alice, body);
        assert.equal(res.status, 422, `${JSON.stringify(body)} → ${res.text}`);
        assert.ok(
          res.body.errors.some((e: { field: string }) => e.field === field),
          `${JSON.stringify(body)} → ${res.text}`,
        );
      }
      const kiwi = await alice.api.get('/api/product/inventory/list?name=kiwi');
      assert.deepEqual(kiwi.body.products, [], 'a rejected add leaves no catalogue row behind');
      // A number written as digits is read as one, as the original's pydantic did (a form field's value).
      const typed = await add(alice, { name: 'Kiwi', quantity: ' 7 ' });
      assert.equal(typed.status, 200, typed.text);
      assert.equal(typed.body.quantity, 7);
      assert.equal((await server.client().post('/api/product/user/add', { name: 'Kiwi' })).status, 401);
    });

    test('list: the original fields plus itemId; sorts, filters, pages; queries do not grow with items', async () => {
      const carol = await newUser(server, 'carol');
      await add(carol, { name: 'Tomato', expiryDate: addDays(today, 2), quantity: 4 });
      await add(carol, { name: 'Potato', expiryDate: addDays(today, 20) });
      await add(carol, { name: 'Onion' });
      await add(carol, { name: 'Old Milk', expiryDate: '2020-01-01' });
      const res = await carol.api.get('/api/product/user/list');
      assert.equal(res.status, 200);
      assert.equal(res.body.total, 4);
      const [first] = res.body.products;
      assert.deepEqual(Object.keys(first).sort(), ITEM_KEYS);
      assert.deepEqual(
        res.body.products.map((p: { name: string }) => p.name),
        ['Old Milk', 'Onion', 'Potato', 'Tomato'],
        'newest first',
      );
      assert.match(first.addedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(first.status, 'expired', 'past its date: expired even before the sweep runs');
      assert.deepEqual(Object.keys(first.nutrition).slice(0, 3), [
        'energy_kcal',
        'carbohydrate',
        'total_sugars',
      ]);
      const tomato = res.body.products.find((p: { name: string }) => p.name === 'Tomato');
      assert.equal(tomato.daysUntilExpiry, 2);
      assert.equal(tomato.id, tomato.productId, 'id is the catalogue id, as in the original');

      const names = async (query: string) =>
        (await carol.api.get(`/api/product/user/list?${query}`)).body.products.map(
          (p: { name: string }) => p.name,
        );
      assert.deepEqual(await names('sort=expiryDate'), ['Old Milk', 'Tomato', 'Potato', 'Onion']);
      assert.deepEqual(await names('sort=expiryDate&order=desc'), ['Potato', 'Tomato', 'Old Milk', 'Onion']);
      assert.deepEqual(await names('sort=name'), ['Old Milk', 'Onion', 'Potato', 'Tomato']);
      assert.deepEqual(await names('sort=quantity&order=desc'), ['Tomato', 'Old Milk', 'Onion', 'Potato']);
      assert.deepEqual(await names('status=expired'), ['Old Milk']);
      assert.deepEqual(await names('status=active&sort=name'), ['Onion', 'Potato', 'Tomato']);
      assert.deepEqual(await names('status=consumed'), []);
      assert.deepEqual(await names('expiringWithinDays=3'), ['Tomato']);
      assert.deepEqual(await names('expiringWithinDays=30&sort=expiryDate'), ['Tomato', 'Potato']);
      assert.deepEqual(await names('name=ATO&sort=name'), ['Potato', 'Tomato']);
      const page = await carol.api.get('/api/product/user/list?sort=name&limit=2&offset=2');
      assert.deepEqual(
        page.body.products.map((p: { name: string }) => p.name),
        ['Potato', 'Tomato'],
      );
      assert.deepEqual([page.body.total, page.body.limit, page.body.offset], [4, 2, 2]);
      const beyond = await carol.api.get('/api/product/user/list?offset=10');
      assert.deepEqual([beyond.body.products.length, beyond.body.total], [0, 4]);
      for (const bad of ['status=eaten', 'expiringWithinDays=-1', 'sort=price', 'limit=501', 'order=up']) {
        assert.equal((await carol.api.get(`/api/product/user/list?${bad}`)).status, 422, bad);
      }
      // A bad choice is one error listing the choices (not one per choice).
      assert.deepEqual((await carol.api.get('/api/product/user/list?sort=price&order=up')).body, {
        errors: [
          { field: 'sort', message: "Input should be 'addedAt', 'expiryDate', 'name' or 'quantity'" },
          { field: 'order', message: "Input should be 'asc' or 'desc'" },
        ],
      });
      // Only the caller's items.
      assert.ok((await names('')).every((n: string) => n !== 'Dragon Fruit'));

      const count = async () => {
        const before = server.queries.length;
        const r = await carol.api.get('/api/product/user/list?limit=500');
        assert.equal(r.status, 200);
        return { queries: server.queries.length - before, items: r.body.products.length };
      };
      const small = await count();
      await carol.api.post('/api/product/user/add-mass', {
        products: Array.from({ length: 40 }, (_, i) => ({
          productName: ['Apple', 'Banana', 'Carrot', 'Tomato'][i % 4],
          quantity: 1,
          expiryDate: addDays(today, i),
        })),
      });
      const large = await count();
      assert.equal(large.items, small.items + 40);
      assert.equal(small.queries, 1, 'one query per list request');
      assert.equal(large.queries, small.queries, 'the same number of queries for 4 and 44 items');

      if (dialect === 'mysql') {
        // The plan starts from the caller's rows and looks products and nutrition up by key; the
        // alternative MariaDB sometimes picked on small databases (scan products, probe items by
        // product, sort in a temporary table) cost three times the server's CPU (join-order.ts).
        const page = listPageQuery(
          server.database,
          carol.id,
          {
            sort: 'addedAt',
            limit: 200,
            offset: 0,
          },
          today,
        );
        const plan = await server.database.db.executeQuery<{ table: string; Extra: string | null }>(
          CompiledQuery.raw(`explain ${page.sql}`, [...page.parameters]),
        );
        assert.deepEqual(
          plan.rows.map((r) => r.table),
          ['up', 'p', 'n'],
        );
        assert.ok(
          plan.rows.every((r) => !/temporary/i.test(r.Extra ?? '')),
          JSON.stringify(plan.rows),
        );
      }
    });

    test('update: by item id or catalogue id; partial; reactivates an expired item; others are 404', async () => {
      const a = await add(alice, { name: 'Yogurt', quantity: 1, expiryDate: '2020-01-01', notes: 'old' });
      const b = await add(alice, { name: 'Yogurt', quantity: 2, expiryDate: '2030-01-01' });
      assert.equal((await server.app.expirySweep.run()) >= 1, true);
      const byCatalogue = await alice.api.put(`/api/product/user/update/${a.body.productId}`, {
        quantity: 5,
      });
      assert.equal(byCatalogue.status, 200, byCatalogue.text);
      assert.equal(byCatalogue.body.itemId, a.body.itemId, 'the earliest-added item of that product');
      assert.equal(byCatalogue.body.quantity, 5);
      assert.equal(byCatalogue.body.status, 'expired');
      // Active again only with a date not yet past: asked without one, a 422 that says so.
      const stillPast = await alice.api.put(`/api/product/user/update/${a.body.itemId}`, {
        status: 'active',
      });
      assert.equal(stillPast.status, 422, stillPast.text);
      assert.equal(stillPast.body.errors[0].field, 'status');
      assert.match(stillPast.body.errors[0].message, /has passed: give a new expiryDate/);
      const byItem = await alice.api.put(`/api/product/user/update/${b.body.itemId}`, {
        quantity: 3,
        expiryDate: '2030-02-02T00:00:00',
        notes: 'updated',
      });
      assert.deepEqual(byItem.body, {
        message: 'User product updated successfully',
        productId: b.body.productId,
        itemId: b.body.itemId,
        name: 'Yogurt',
        quantity: 3,
        expiryDate: '2030-02-02',
        expiryEstimated: false,
        notes: 'updated',
        status: 'active',
      });
      const revived = await alice.api.put(`/api/product/user/update/${a.body.itemId}`, {
        expiryDate: addDays(today, 3),
        notes: '',
      });
      assert.equal(revived.body.status, 'active', 'a new date brings an expired item back');
      assert.equal(revived.body.notes, null, 'empty notes clear them');
      const eaten = await alice.api.put(`/api/product/user/update/${a.body.itemId}`, { status: 'consumed' });
      assert.equal(eaten.body.status, 'consumed');
      const cleared = await alice.api.put(`/api/product/user/update/${a.body.itemId}`, { expiryDate: null });
      assert.equal(cleared.body.expiryDate, null);
      const estimated = await alice.api.put(`/api/product/user/update/${a.body.itemId}`, {
        estimateExpiry: true,
      });
      assert.equal(estimated.body.expiryDate, addDays(today, 14));
      assert.equal(estimated.body.expiryEstimated, true);

      for (const body of [
        {},
        { quantity: 0 },
        { quantity: 'many' },
        { status: 'expired' },
        { expiryDate: 'soon' },
      ]) {
        const r = await alice.api.put(`/api/product/user/update/${a.body.itemId}`, body);
        assert.equal(r.status, 422, `${JSON.stringify(body)} → ${r.text}`);
      }
      assert.equal((await alice.api.put(`/api/product/user/update/${a.body.itemId}`)).status, 422);
      const foreign = await bob.api.put(`/api/product/user/update/${a.body.itemId}`, { quantity: 9 });
      assert.equal(foreign.status, 404);
      assert.deepEqual(foreign.body, {
        detail: `Product with ID ${a.body.itemId} does not exist in user inventory.`,
      });
      assert.equal((await bob.api.put('/api/product/user/update/nope', { quantity: 9 })).status, 404);
      assert.equal(
        (await server.client().put(`/api/product/user/update/${a.body.itemId}`, { quantity: 9 })).status,
        401,
      );
    });

    test('delete: by item id or catalogue id; another user’s item is 404', async () => {
      const x = await add(alice, { name: 'Cabbage' });
      const y = await add(alice, { name: 'Cabbage' });
      assert.equal((await bob.api.delete(`/api/product/user/delete/${x.body.itemId}`)).status, 404);
      assert.equal((await bob.api.delete(`/api/product/user/delete/${x.body.productId}`)).status, 404);
      const byItem = await alice.api.delete(`/api/product/user/delete/${y.body.itemId}`);
      assert.equal(byItem.status, 200);
      assert.deepEqual(byItem.body, {
        message: 'Product removed from user inventory successfully.',
        itemId: y.body.itemId,
        productId: y.body.productId,
      });
      const byProduct = await alice.api.delete(`/api/product/user/delete/${x.body.productId}`);
      assert.equal(byProduct.body.itemId, x.body.itemId);
      assert.equal((await alice.api.delete(`/api/product/user/delete/${x.body.itemId}`)).status, 404);
      assert.equal((await server.client().delete(`/api/product/user/delete/${x.body.itemId}`)).status, 401);
    });

    test('add-mass: the items are listed newest first in the reverse of the order they were sent', async () => {
      const u = await newUser(server, 'orderly');
      const names = Array.from({ length: 12 }, (_, i) => `Item ${String(i).padStart(2, '0')}`);
      const res = await u.api.post('/api/product/user/add-mass', {
        products: names.map((productName) => ({ productName, quantity: 1 })),
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.success.length, names.length);
      // Several land in one millisecond: their timestamps still follow the request's order.
      const list = await u.api.get('/api/product/user/list');
      assert.deepEqual(
        list.body.products.map((p: { name: string }) => p.name),
        [...names].reverse(),
      );
      const added = list.body.products.map((p: { addedAt: string }) => Date.parse(p.addedAt));
      assert.ok(
        added.every((t: number, i: number) => i === 0 || t < added[i - 1]!),
        'strictly newest first',
      );
    });

    test('add-mass: items validated and added one by one; failures reported', async () => {
      const ok = await bob.api.post('/api/product/user/add-mass', {
        products: [
          { productName: 'Onion', quantity: 2, expiryDate: '2030-05-01T00:00:00', notes: 'bulk' },
          { productName: 'Apple', quantity: 1, is_scanned_product: true },
          { productName: 'Mango', quantity: 'lots' },
          { quantity: 1, expiryDate: '2030-01-01' },
          { productName: 'Ab', quantity: 1, expiryDate: '2030-01-01' },
          // A blank date is none given, as on a single add.
          { productName: 'Leek', expiryDate: '' },
          // What cannot be an item, or cannot be stored, fails that item alone.
          'not an object',
          null,
          { productName: 'Nul\u0000name' },
          { productName: 'Lone \ud800 half' },
        ],
      });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(
        ok.body.success.map((s: { name: string; expiryDate: string; expiryEstimated: boolean }) => [
          s.name,
          s.expiryDate,
          s.expiryEstimated,
        ]),
        [
          ['Onion', '2030-05-01', false],
          ['Apple', addDays(today, 10), true],
          ['Leek', null, false],
        ],
      );
      assert.deepEqual(
        ok.body.failed.map((f: { reason: string }) => f.reason),
        [
          'quantity: Input should be a valid integer',
          'Missing required fields: productName',
          'Product name must be at least 3 characters long',
          'Input should be a valid dictionary or object',
          'Input should be a valid dictionary or object',
          'productName: String should not contain NUL characters',
          'productName: String should be valid Unicode',
        ],
      );
      assert.deepEqual(ok.body.failed[1].product, { quantity: 1, expiryDate: '2030-01-01' });
      assert.deepEqual(
        ok.body.failed.slice(3, 5).map((f: { product: unknown }) => f.product),
        ['not an object', null],
        'listed as sent',
      );
      assert.deepEqual((await bob.api.post('/api/product/user/add-mass', { products: [] })).body, {
        success: [],
        failed: [],
      });
      for (const body of [{}, { products: 'abc' }, [1, 2]]) {
        assert.equal(
          (await bob.api.post('/api/product/user/add-mass', body)).status,
          422,
          JSON.stringify(body),
        );
      }
    });

    test("add-mass: a blank category is none given, as on add (the product is 'Uncategorized')", async () => {
      const u = await newUser(server, 'blankcat');
      const res = await u.api.post('/api/product/user/add-mass', {
        products: [
          { productName: 'Kumquat', category: '' },
          { productName: 'Loquat', category: '   ' },
          { productName: 'Medlar', category: 'Winter fruit' },
        ],
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.failed, []);
      const list = await u.api.get('/api/product/user/list?limit=10');
      assert.deepEqual(
        list.body.products.map((p: { name: string; category: string }) => [p.name, p.category]).sort(),
        [
          ['Kumquat', 'Uncategorized'],
          ['Loquat', 'Uncategorized'],
          ['Medlar', 'Winter fruit'],
        ],
      );
    });

    test('expiry sweep: marks items expired once and notifies their owner once', async () => {
      const dave = await newUser(server, 'dave');
      const item = await add(dave, { name: 'Old Bread', expiryDate: '2021-03-04' });
      await add(dave, { name: 'Fresh Bread', expiryDate: addDays(today, 3) });
      await server.app.expirySweep.run();
      await server.app.expirySweep.run();
      const notes = await dave.api.get('/api/notification/list');
      const warnings = notes.body.notifications.filter((n: { type: string }) => n.type === 'warning');
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0].message, 'Product Old Bread has expired');
      assert.equal(warnings[0].itemId, item.body.itemId);
      const row = await server.database.db
        .selectFrom('user_products')
        .select(['status', 'updated_at'])
        .where('id', '=', item.body.itemId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'expired');
      // Given a new date that passes again, it is notified again.
      await dave.api.put(`/api/product/user/update/${item.body.itemId}`, { expiryDate: addDays(today, 1) });
      await server.database.db
        .updateTable('user_products')
        .set({ expiry_date: '2021-03-05' })
        .where('id', '=', item.body.itemId)
        .execute();
      await server.app.expirySweep.run();
      const again = await dave.api.get('/api/notification/list');
      assert.equal(again.body.notifications.filter((n: { type: string }) => n.type === 'warning').length, 2);
    });
  });
}
