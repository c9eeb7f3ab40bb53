import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nameKey } from '../../src/features/catalogue/product-name.js';
import { newUser, startServer, type TestServer, type TestUser } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';

const APPLE_NUTRITION = { energy_kcal: 52, carbohydrate: 13.81, protein: 0.26, fiber: 2.4 };

/** Names in the order of their key (lower-cased by the application), code point by code point. */
function byKey(names: readonly string[]): string[] {
  return [...names].sort((a, b) => (nameKey(a) < nameKey(b) ? -1 : nameKey(a) > nameKey(b) ? 1 : 0));
}

for (const dialect of DIALECTS) {
  describe(`catalogue order on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(dialect);
    });
    after(() => server.close());

    test('list and barcodes: the same order on every database, whatever its collation (case and accents)', async () => {
      const user = await newUser(server, 'orderly');
      // By name, PostgreSQL and SQLite would put the capitals first and MariaDB would not; MariaDB
      // would put the accented names among the others, and the others after them.
      const names = [
        'banana',
        'Apple',
        'Zucchini',
        'éclair',
        'Eggs',
        'apricot',
        'Ölive',
        'oats',
        'Ärtor',
        'Eclipse',
      ];
      for (const [i, productName] of names.entries()) {
        const res = await user.api.post('/api/product/inventory/add', {
          productName,
          category: 'Misc',
          barcode: `ORDER${i}`,
        });
        assert.equal(res.status, 200, res.text);
      }
      const expected = [
        'Apple',
        'apricot',
        'banana',
        'Eclipse',
        'Eggs',
        'oats',
        'Zucchini',
        'Ärtor',
        'éclair',
        'Ölive',
      ];
      assert.deepEqual(byKey(names), expected);
      const list = await user.api.get('/api/product/inventory/list');
      assert.deepEqual(
        list.body.products.map((p: { name: string }) => p.name),
        expected,
      );
      // And so which products a page holds.
      for (const offset of [0, 3, 6, 9]) {
        const page = await user.api.get(`/api/product/inventory/list?limit=3&offset=${offset}`);
        assert.deepEqual(
          page.body.products.map((p: { name: string }) => p.name),
          expected.slice(offset, offset + 3),
          `offset ${offset}`,
        );
      }
      const barcodes = await user.api.get('/api/product/barcodes');
      assert.deepEqual(
        barcodes.body.products.map((p: { productName: string }) => p.productName),
        expected,
      );
      assert.equal(barcodes.body.total, expected.length);
      // Paged as the catalogue list is, with the total over all pages.
      for (const offset of [0, 4, 8, 12]) {
        const page = await user.api.get(`/api/product/barcodes?limit=4&offset=${offset}`);
        assert.equal(page.status, 200, page.text);
        assert.deepEqual(
          page.body.products.map((p: { productName: string }) => p.productName),
          expected.slice(offset, offset + 4),
          `offset ${offset}`,
        );
        assert.equal(page.body.total, expected.length, `total at offset ${offset}`);
      }
      assert.equal((await user.api.get('/api/product/barcodes?limit=1001')).status, 422);
    });
  });

  describe(`catalogue routes on ${dialect}`, () => {
    let server: TestServer;
    let alice: TestUser;
    let bob: TestUser;
    before(async () => {
      server = await startServer(dialect);
      alice = await newUser(server, 'alice');
      bob = await newUser(server, 'bob');
    });
    after(() => server.close());

    const add = (u: TestUser, body: unknown) => u.api.post('/api/product/inventory/add', body);

    test('add: the original reply plus category and barcode; nutrition kept as given', async () => {
      const res = await add(alice, {
        productName: ' Apple ',
        category: 'Fruit',
        barcode: 'AP29483',
        nutrition: APPLE_NUTRITION,
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.message, 'Product added successfully');
      assert.match(res.body.productId, /^[0-9a-f-]{36}$/);
      assert.deepEqual(
        { ...res.body, productId: undefined },
        {
          message: 'Product added successfully',
          productId: undefined,
          name: 'Apple',
          category: 'Fruit',
          barcode: 'AP29483',
        },
      );
      const list = await alice.api.get('/api/product/inventory/list?name=apple');
      assert.equal(list.status, 200);
      const apple = list.body.products.find((p: { id: string }) => p.id === res.body.productId);
      assert.deepEqual(Object.keys(apple.nutrition), [
        'energy_kcal',
        'carbohydrate',
        'protein',
        'fiber',
        'total_sugars',
        'saturated_fat',
        'vitamin_a',
        'vitamin_c',
        'potassium',
        'iron',
        'calcium',
        'sodium',
        'cholesterol',
      ]);
      assert.equal(apple.nutrition.energy_kcal, '52.00');
      assert.equal(apple.nutrition.carbohydrate, '13.81');
      assert.equal(apple.nutrition.vitamin_c, 'N/A');
      assert.equal(apple.isOwner, true);
      assert.match(apple.createdAt, /Z$/);
      const forBob = await bob.api.get('/api/product/inventory/list?name=apple');
      assert.equal(forBob.body.products[0].isOwner, false);
    });

    test('add: bad input is 422, a name or barcode already there is 409', async () => {
      const bad: [unknown, string][] = [
        [{ productName: 'Ab', category: 'Veg' }, 'productName'],
        [{ productName: '   ', category: 'Veg' }, 'productName'],
        [{ productName: '', category: 'Veg' }, 'productName'],
        [{ productName: 'Widget' }, 'category'],
        [{ productName: 123, category: 'Veg' }, 'productName'],
        [{ productName: 'Widget', category: 'Veg', barcode: 'has space' }, 'barcode'],
        [{ productName: 'Widget', category: 'Veg', nutrition: { energy_kcal: -1 } }, 'energy_kcal'],
        [{ productName: 'Widget', category: 'Veg', nutrition: { energy_kcal: 'lots' } }, 'energy_kcal'],
      ];
      for (const [body, field] of bad) {
        const res = await add(alice, body);
        assert.equal(res.status, 422, `${JSON.stringify(body)} → ${res.text}`);
        assert.ok(
          res.body.errors.some((e: { field: string }) => e.field === field),
          `${JSON.stringify(body)} → ${res.text}`,
        );
      }
      assert.equal((await add(alice, { productName: 'Widget', category: 'Misc' })).status, 200);
      // The original's UNKNOWN-20 bug: a second unmapped name works here.
      assert.equal((await add(alice, { productName: 'Gadget', category: 'Misc' })).status, 200);
      const dupName = await add(bob, { productName: 'WIDGET', category: 'Misc' });
      assert.equal(dupName.status, 409);
      assert.match(dupName.body.detail, /named 'Widget' already exists/);
      const dupCode = await add(bob, { productName: 'Green Apple', category: 'Fruit', barcode: 'AP29483' });
      assert.equal(dupCode.status, 409);
      assert.match(dupCode.body.detail, /Barcode AP29483 is already used/);
      assert.equal(
        (await server.client().post('/api/product/inventory/add', { productName: 'x' })).status,
        401,
      );
    });

    test("a form's blank fields, as the original front end sends them: no barcode on add; barcode and category unchanged on update", async () => {
      // The original ignored the body's barcode on add and overwrote only non-empty fields on update.
      const created = await add(alice, { productName: 'Kohlrabi', category: 'Veg', barcode: '' });
      assert.equal(created.status, 200, created.text);
      assert.equal(created.body.barcode, null);
      const id = created.body.productId;
      const coded = await alice.api.put(`/api/product/inventory/update/${id}`, { barcode: 'KR12345' });
      assert.equal(coded.body.barcode, 'KR12345');
      const edited = await alice.api.put(`/api/product/inventory/update/${id}`, {
        name: 'Kohlrabi Green',
        category: '',
        barcode: '',
      });
      assert.equal(edited.status, 200, edited.text);
      assert.deepEqual(edited.body, {
        message: 'Product updated successfully',
        productId: id,
        name: 'Kohlrabi Green',
        category: 'Veg',
        barcode: 'KR12345',
      });
      const blank = await add(alice, { productName: 'Celeriac', category: 'Veg', barcode: '   ' });
      assert.equal(blank.status, 200, blank.text);
      assert.equal(blank.body.barcode, null);
      // A barcode that is not blank is still checked, on add and on update.
      for (const res of [
        await add(alice, { productName: 'Parsnip', category: 'Veg', barcode: 'a b' }),
        await alice.api.put(`/api/product/inventory/update/${id}`, { barcode: 'a b' }),
      ]) {
        assert.equal(res.status, 422, res.text);
        assert.equal(res.body.errors[0].field, 'barcode');
      }
    });

    test('list: name filter is a literal, case-insensitive substring; pages with a total; one query', async () => {
      await add(alice, { productName: '100% Juice', category: 'Drinks' });
      await add(alice, { productName: 'Under_score', category: 'Misc' });
      const pct = await alice.api.get(`/api/product/inventory/list?name=${encodeURIComponent('%')}`);
      assert.deepEqual(
        pct.body.products.map((p: { name: string }) => p.name),
        ['100% Juice'],
      );
      const us = await alice.api.get('/api/product/inventory/list?name=_');
      assert.deepEqual(
        us.body.products.map((p: { name: string }) => p.name),
        ['Under_score'],
      );
      const all = await alice.api.get('/api/product/inventory/list');
      const names = all.body.products.map((p: { name: string }) => p.name);
      assert.deepEqual(names, byKey(names));
      assert.equal(all.body.total, names.length);
      const page = await alice.api.get('/api/product/inventory/list?limit=2&offset=1');
      assert.deepEqual(
        page.body.products.map((p: { name: string }) => p.name),
        names.slice(1, 3),
      );
      assert.equal(page.body.total, names.length);
      const past = await alice.api.get('/api/product/inventory/list?offset=1000');
      assert.deepEqual(past.body, { products: [], total: names.length });
      assert.equal((await alice.api.get('/api/product/inventory/list?limit=0')).status, 422);
      assert.equal((await alice.api.get('/api/product/inventory/list?limit=abc')).status, 422);

      const before = server.queries.length;
      await alice.api.get('/api/product/inventory/list');
      assert.equal(server.queries.length - before, 1, 'one query for the whole catalogue');
      // Letter case is ignored beyond ASCII too, on every database (SQLite's lower() knows only
      // ASCII: the filter compares the name key, lower-cased by the application).
      await add(alice, { productName: 'ÄPFELMUS', category: 'Misc' });
      for (const q of ['äpfel', 'ÄPFEL', 'Äpfelmus']) {
        const found = await alice.api.get(`/api/product/inventory/list?name=${encodeURIComponent(q)}`);
        assert.deepEqual(
          found.body.products.map((p: { name: string }) => p.name),
          ['ÄPFELMUS'],
          q,
        );
      }
      // A key made unique as <key>#<id> by migration 5d1c0a7e9b3f is found by its name, not its id.
      await server.database.db
        .insertInto('products')
        .values({
          id: 'ab12cd34-0000-4000-8000-000000000001',
          name: 'Legacy Quark',
          name_key: 'legacy quark#ab12cd34-0000-4000-8000-000000000001',
        })
        .execute();
      const legacy = async (q: string) =>
        (await alice.api.get(`/api/product/inventory/list?name=${encodeURIComponent(q)}`)).body.products.map(
          (p: { name: string }) => p.name,
        );
      assert.deepEqual(await legacy('quark'), ['Legacy Quark']);
      assert.deepEqual(await legacy('ab12cd'), []);
      assert.deepEqual(await legacy('#'), []);
      // Only case is ignored, on every database: accents and barcode case count (MariaDB's default
      // collation would refuse these as duplicates).
      for (const [productName, barcode] of [
        ['Müsli', 'MU55LI'],
        ['Musli', 'mu55li'],
      ]) {
        const res = await add(alice, { productName, category: 'Cereal', barcode });
        assert.equal(res.status, 200, res.text);
      }
      // What reads as one name is one name: a combining diaeresis, full-width letters (Unicode NFKC).
      assert.equal((await add(alice, { productName: 'Milk', category: 'Dairy' })).status, 200);
      for (const [productName, same] of [
        ['Mu\u0308sli', 'Müsli'],
        ['Ｍｉｌｋ', 'Milk'],
      ] as const) {
        const again = await add(alice, { productName, category: 'Cereal' });
        assert.equal(again.status, 409, `${productName} is ${same}: ${again.text}`);
        assert.deepEqual(await legacy(productName), [same], 'and finds it by name');
      }
      // A name with a '#' of its own is found as any other.
      assert.equal((await add(alice, { productName: 'Tea #5', category: 'Drinks' })).status, 200);
      assert.deepEqual(await legacy('tea #'), ['Tea #5']);
      // A legacy `<key>#<id>` entry is found by its key, whatever its name's encoding.
      await server.database.db
        .insertInto('products')
        .values({
          id: 'cd34ef56-0000-4000-8000-000000000002',
          name: 'Mu\u0308sli Crunch',
          name_key: 'müsli crunch#cd34ef56-0000-4000-8000-000000000002',
        })
        .execute();
      assert.deepEqual(await legacy('MÜSLI C'), ['Mu\u0308sli Crunch']);
      // Nor may a name hide what it says: control characters, or text-direction overrides.
      for (const productName of ['Milk\tpowder', 'Jam\nJar', 'Cheese \u202Eepxe', 'Tea\u2066x\u2069']) {
        const res = await add(alice, { productName, category: 'Cereal' });
        assert.equal(res.status, 422, JSON.stringify(productName));
        assert.equal(
          res.body.errors[0].message,
          'Product name must not contain control or text-direction characters',
        );
      }
      // Nor a category, shown to everyone as names are: by each route that sets one.
      const refused = {
        field: 'category',
        message: 'Category must not contain control or text-direction characters',
      };
      const category = 'Dairy \u202Ekaerb';
      const viaAdd = await add(alice, { productName: 'Kefir', category });
      assert.deepEqual([viaAdd.status, viaAdd.body.errors], [422, [refused]]);
      const viaItem = await alice.api.post('/api/product/user/add', { name: 'Kefir', category });
      assert.deepEqual([viaItem.status, viaItem.body.errors], [422, [refused]]);
      const kept = await add(alice, { productName: 'Kefir', category: '  Dairy\t' });
      assert.equal(kept.status, 200, kept.text);
      assert.equal(kept.body.category, 'Dairy', 'white space around it is trimmed, not refused');
      const viaUpdate = await alice.api.put(`/api/product/inventory/update/${kept.body.productId}`, {
        category: 'Da\u0007iry',
      });
      assert.deepEqual([viaUpdate.status, viaUpdate.body.errors], [422, [refused]]);
      const viaMass = await alice.api.post('/api/product/inventory/add-mass', {
        products: [{ productName: 'Ayran', category }],
      });
      assert.deepEqual(
        viaMass.body.failed.map((f: { reason: string }) => f.reason),
        ['Category must not contain control or text-direction characters'],
      );
    });

    test('update: only the owner, never while someone else holds it', async () => {
      const created = await add(alice, { productName: 'Bread', category: 'Bakery' });
      const id = created.body.productId;
      const byBob = await bob.api.put(`/api/product/inventory/update/${id}`, { name: 'Stolen Bread' });
      assert.equal(byBob.status, 403);
      const unknown = await alice.api.put('/api/product/inventory/update/does-not-exist', {
        name: 'White Bread',
      });
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.body, { detail: 'Product with ID does-not-exist does not exist.' });
      assert.equal((await alice.api.put(`/api/product/inventory/update/${id}`, {})).status, 422);
      assert.equal((await alice.api.put(`/api/product/inventory/update/${id}`)).status, 422);
      assert.equal((await alice.api.put(`/api/product/inventory/update/${id}`, { name: ['x'] })).status, 422);
      assert.equal((await alice.api.put(`/api/product/inventory/update/${id}`, { name: 'Ab' })).status, 422);
      // Three characters that show: zero-width spaces or a joiner do not count, nor do emoji halves.
      for (const name of ['\u200b\u200b\u200b', 'A\u200d\u2060b', '\ufeff \u00ad', '🍎🍏']) {
        const res = await alice.api.put(`/api/product/inventory/update/${id}`, { name });
        assert.equal(res.status, 422, JSON.stringify(name));
        assert.equal(res.body.errors[0].message, 'Product name must be at least 3 characters long');
      }
      const added = await alice.api.post('/api/product/user/add', { name: '\u200b\u200b\u200b' });
      assert.equal(added.status, 422, 'nor through the inventory');
      assert.equal(
        (await alice.api.put(`/api/product/inventory/update/${id}`, { name: '🍎🍏🍐' })).status,
        200,
      );
      // 255 characters whose lower case is 510 (İ is i + a combining dot): over the key's 300, a 422.
      const dotted = await alice.api.put(`/api/product/inventory/update/${id}`, { name: 'İ'.repeat(255) });
      assert.equal(dotted.status, 422, dotted.text);
      const clash = await alice.api.put(`/api/product/inventory/update/${id}`, { name: 'widget' });
      assert.equal(clash.status, 409);

      // Renaming while re-sending the same category works (the original refused it).
      const ok = await alice.api.put(`/api/product/inventory/update/${id}`, {
        name: 'White Bread',
        category: 'Bakery',
        barcode: 'BR67890',
        nutrition: { energy_kcal: 265 },
      });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body, {
        message: 'Product updated successfully',
        productId: id,
        name: 'White Bread',
        category: 'Bakery',
        barcode: 'BR67890',
      });
      const cleared = await alice.api.put(`/api/product/inventory/update/${id}`, { barcode: null });
      assert.equal(cleared.body.barcode, null);
      const listed = await alice.api.get('/api/product/inventory/list?name=white');
      assert.equal(listed.body.products[0].nutrition.energy_kcal, '265.00');

      // Bob puts it in his inventory: now Alice may not change it.
      assert.equal((await bob.api.post('/api/product/user/add', { name: 'white bread' })).status, 200);
      const held = await alice.api.put(`/api/product/inventory/update/${id}`, { category: 'Bread' });
      assert.equal(held.status, 409);
      assert.match(held.body.detail, /inventory of 1 other user/);
    });

    test('delete: owner only; 409 while another user holds it; own items go with it', async () => {
      const created = await add(alice, {
        productName: 'Cheese',
        category: 'Dairy',
        nutrition: { protein: 25 },
      });
      const id = created.body.productId;
      assert.equal((await bob.api.delete(`/api/product/inventory/delete/${id}`)).status, 403);
      const bobs = await bob.api.post('/api/product/user/add', { name: 'Cheese' });
      const held = await alice.api.delete(`/api/product/inventory/delete/${id}`);
      assert.equal(held.status, 409);
      assert.match(held.body.detail, /Cannot delete this product: it is in the inventory of 1 other user/);
      assert.equal((await bob.api.delete(`/api/product/user/delete/${bobs.body.itemId}`)).status, 200);
      assert.equal((await alice.api.post('/api/product/user/add', { name: 'cheese' })).status, 200);
      const ok = await alice.api.delete(`/api/product/inventory/delete/${id}`);
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body, { message: 'Product deleted successfully' });
      const mine = await alice.api.get('/api/product/user/list?name=cheese');
      assert.deepEqual(mine.body.products, []);
      const orphans = await server.database.db
        .selectFrom('nutrition')
        .select('id')
        .where('product_id', '=', id)
        .execute();
      assert.deepEqual(orphans, [], 'the nutrition row goes with the product');
      const again = await alice.api.delete(`/api/product/inventory/delete/${id}`);
      assert.equal(again.status, 404);
      assert.deepEqual(again.body, { detail: `Product with ID ${id} does not exist.` });
    });

    test('an empty nutrition object gives no nutrition: the product is not marked as known, values stay', async () => {
      const created = await add(alice, { productName: 'Plain flour', category: 'Baking', nutrition: {} });
      assert.equal(created.status, 200, created.text);
      const id = created.body.productId as string;
      const status = async () =>
        (
          await server.database.db
            .selectFrom('products')
            .select('nutrition_status')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).nutrition_status;
      assert.equal(await status(), 'unknown', 'a nutrition look-up may still fill it in');
      const rows = await server.database.db
        .selectFrom('nutrition')
        .select('id')
        .where('product_id', '=', id)
        .execute();
      assert.deepEqual(rows, []);
      // Known values, then an update with {}: they stay.
      await alice.api.put(`/api/product/inventory/update/${id}`, { nutrition: { protein: 10 } });
      const kept = await alice.api.put(`/api/product/inventory/update/${id}`, {
        category: 'Flour',
        nutrition: {},
      });
      assert.equal(kept.status, 200, kept.text);
      assert.equal(await status(), 'found');
      const listed = await alice.api.get('/api/product/inventory/list?name=plain%20flour');
      assert.equal(listed.body.products[0].nutrition.protein, '10.00');
    });

    test('barcodes: products with a barcode', async () => {
      const res = await bob.api.get('/api/product/barcodes');
      assert.equal(res.status, 200);
      assert.ok(
        res.body.products.some(
          (p: { productName: string; barcode: string }) =>
            p.barcode === 'AP29483' && p.productName === 'Apple',
        ),
      );
      assert.ok(res.body.products.every((p: { barcode: unknown }) => typeof p.barcode === 'string'));
      assert.equal((await server.client().get('/api/product/barcodes')).status, 401);
    });

    test('add-mass: each product on its own; failures listed with their reason', async () => {
      const res = await bob.api.post('/api/product/inventory/add-mass', {
        products: [
          { productName: 'Tomato', category: 'Veg' },
          { productName: 'Ab', category: 'Veg' },
          { productName: '', category: 'Veg' },
          { productName: 'tomato', category: 'Veg' },
          { productName: 'Potato', category: 'Veg', barcode: 'PT66120' },
          // Wrong types, a missing field, what cannot be stored or be an item: that item fails alone.
          { productName: 5, category: 'Veg' },
          { productName: 'Leek' },
          { productName: 'Nul\u0000', category: 'Veg' },
          'Turnip',
        ],
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        res.body.success.map((s: { name: string }) => s.name),
        ['Tomato', 'Potato'],
      );
      assert.deepEqual(
        res.body.failed.map((f: { product: { productName?: unknown } | string; reason: string }) => [
          typeof f.product === 'string' ? f.product : f.product.productName,
          f.reason,
        ]),
        [
          ['Ab', 'Product name must be at least 3 characters long'],
          ['', 'Product name must be at least 3 characters long'],
          ['tomato', "A product named 'Tomato' already exists in the catalogue"],
          [5, 'productName: Input should be a valid string'],
          ['Leek', 'Missing required fields: category'],
          ['Nul\u0000', 'productName: String should not contain NUL characters'],
          ['Turnip', 'Input should be a valid dictionary or object'],
        ],
      );
      assert.deepEqual((await bob.api.post('/api/product/inventory/add-mass', { products: [] })).body, {
        success: [],
        failed: [],
      });
      for (const body of [
        {},
        { products: 'Potato' },
        { products: Array.from({ length: 501 }, (_, i) => ({ productName: `P${i}`, category: 'c' })) },
      ]) {
        assert.equal((await bob.api.post('/api/product/inventory/add-mass', body)).status, 422);
      }
    });
  });
}
