import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { newUser, startServer, type TestServer } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';

for (const dialect of DIALECTS) {
  describe(`data export on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(dialect);
    });
    after(() => server.close());

    test("GET /api/user/export: the caller's profile, items, notifications, scans and products, nobody else's", async () => {
      const ann = await newUser(server, 'ann');
      const ben = await newUser(server, 'ben');
      const tea = await ann.api.post('/api/product/inventory/add', {
        productName: `Green tea ${dialect}`,
        category: 'Drinks',
        barcode: `tea-${dialect}-${process.pid}`,
        nutrition: { energy_kcal: 1, protein: 0.25 },
      });
      assert.equal(tea.status, 200, tea.text);
      const plain = await ann.api.post('/api/product/inventory/add', {
        productName: `Rice ${dialect}`,
        category: 'Grains',
      });
      const old = await ann.api.post('/api/product/user/add', {
        name: `Green tea ${dialect}`,
        quantity: 3,
        expiryDate: '2020-03-01',
        notes: 'the tin',
      });
      assert.equal(old.status, 200, old.text);
      await ann.api.post('/api/product/user/add', { name: `Rice ${dialect}`, expiryDate: '2031-01-31' });
      await ben.api.post('/api/product/user/add', {
        name: `Ben's bread ${dialect}`,
        expiryDate: '2020-01-01',
      });
      await server.app.expirySweep.run();
      await server.database.db
        .insertInto('scan_logs')
        .values([
          {
            id: randomUUID(),
            user_id: ann.id,
            product_id: tea.body.productId,
            barcode: 'b1',
            format: 'EAN13',
            status: 'scanned',
          },
          { id: randomUUID(), user_id: ben.id, product_id: null, barcode: 'b2', status: 'not_found' },
        ])
        .execute();

      const res = await ann.api.get('/api/user/export');
      assert.equal(res.status, 200, res.text);
      assert.match(
        res.headers.get('content-disposition') ?? '',
        new RegExp(`^attachment; filename="expireeye-export-${server.today}\\.json"$`),
      );
      const doc = res.body;
      assert.match(doc.exportedAt, /Z$/);
      assert.deepEqual(Object.keys(doc.profile).sort(), [
        'createdAt',
        'dob',
        'email',
        'id',
        'name',
        'updatedAt',
      ]);
      assert.equal(doc.profile.email, ann.email);
      assert.ok(!res.text.includes('password') && !res.text.includes('$2'), 'no password hash');
      assert.deepEqual(
        doc.inventory.map((i: Record<string, unknown>) => [
          i.name,
          i.quantity,
          i.expiryDate,
          i.status,
          i.notes,
          i.productId,
        ]),
        [
          [`Green tea ${dialect}`, 3, '2020-03-01', 'expired', 'the tin', tea.body.productId],
          [`Rice ${dialect}`, 1, '2031-01-31', 'active', null, plain.body.productId],
        ],
      );
      assert.equal(doc.inventory[0].itemId, old.body.itemId);
      assert.equal(doc.inventory[0].barcode, `tea-${dialect}-${process.pid}`);
      assert.deepEqual(
        doc.notifications.map((n: Record<string, unknown>) => [n.type, n.itemId, n.expiryDate, n.isRead]),
        [['warning', old.body.itemId, '2020-03-01', false]],
      );
      assert.deepEqual(
        doc.scans.map((s: Record<string, unknown>) => [s.barcode, s.format, s.status, s.productName]),
        [['b1', 'EAN13', 'scanned', `Green tea ${dialect}`]],
      );
      assert.deepEqual(
        doc.products.map((p: Record<string, unknown>) => [p.id, p.name, p.category]),
        [
          [tea.body.productId, `Green tea ${dialect}`, 'Drinks'],
          [plain.body.productId, `Rice ${dialect}`, 'Grains'],
        ],
      );
      assert.equal(doc.products[0].nutrition.energy_kcal, 1);
      assert.equal(doc.products[0].nutrition.protein, 0.25);
      assert.equal(doc.products[0].nutrition.iron, null);
      assert.equal(doc.products[1].nutrition, null);
      assert.ok(!res.text.includes(ben.id) && !res.text.includes("Ben's bread"), "nothing of Ben's");

      // Ben's export holds only Ben's item, notification and scan.
      const bens = (await ben.api.get('/api/user/export')).body;
      assert.deepEqual(
        [bens.inventory.length, bens.notifications.length, bens.scans.length, bens.products.length],
        [1, 1, 1, 1],
      );
      assert.equal(bens.scans[0].productId, null);
      assert.equal((await server.client().get('/api/user/export')).status, 401);
    });

    test('an item past its date that the sweep has not marked yet is exported as expired, as the list shows it', async () => {
      const kim = await newUser(server, 'kim');
      const past = await kim.api.post('/api/product/user/add', {
        name: `Yoghurt ${dialect}`,
        expiryDate: '2021-05-01',
      });
      assert.equal(past.status, 200, past.text);
      assert.equal(past.body.status, 'expired');
      const eaten = await kim.api.post('/api/product/user/add', {
        name: `Cheese ${dialect}`,
        expiryDate: '2021-05-02',
      });
      assert.equal(
        (await kim.api.put(`/api/product/user/update/${eaten.body.itemId}`, { status: 'consumed' })).status,
        200,
      );
      await kim.api.post('/api/product/user/add', { name: `Honey ${dialect}`, expiryDate: '2031-05-01' });
      // No sweep has run: stored, the first item is still active.
      const stored = await server.database.db
        .selectFrom('user_products')
        .select('status')
        .where('id', '=', past.body.itemId)
        .executeTakeFirstOrThrow();
      assert.equal(stored.status, 'active');

      const list = await kim.api.get('/api/product/user/list');
      const listed = new Map(
        list.body.products.map((i: { itemId: string; status: string }) => [i.itemId, i.status]),
      );
      const doc = (await kim.api.get('/api/user/export')).body;
      assert.deepEqual(
        doc.inventory.map((i: { name: string; status: string }) => [i.name, i.status]),
        [
          [`Yoghurt ${dialect}`, 'expired'],
          [`Cheese ${dialect}`, 'consumed'],
          [`Honey ${dialect}`, 'active'],
        ],
      );
      for (const i of doc.inventory) assert.equal(i.status, listed.get(i.itemId), i.name);
    });

    test('a new account exports empty lists, in a fixed number of queries', async () => {
      const eve = await newUser(server, 'eve');
      const before = server.queries.length;
      const res = await eve.api.get('/api/user/export');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        [res.body.inventory, res.body.notifications, res.body.scans, res.body.products],
        [[], [], [], []],
      );
      const selects = server.queries.slice(before).filter((q) => /^\s*select/i.test(q));
      // The token-version check may be cached; then the five parts of the export.
      assert.ok(selects.length >= 5 && selects.length <= 6, selects.join('\n'));
    });
  });
}
