// One user may add only so many products to the shared catalogue a day, however they add them;
// counted in the database, so on every dialect.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Answer, type Client, newUser, startServer, type TestServer } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';

for (const dialect of DIALECTS) {
  describe(`catalogue daily quota on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(dialect, { catalogueProductsPerDay: 3 });
    });
    after(() => server.close());

    test('past CATALOGUE_PRODUCTS_PER_DAY new products a 429, by every route that creates one; existing products still usable', async () => {
      const u = await newUser(server, 'prolific');
      const other = await newUser(server, 'modest');
      for (const productName of ['Quota A', 'Quota B']) {
        const res = await u.api.post('/api/product/inventory/add', { productName, category: 'Test' });
        assert.equal(res.status, 200, res.text);
      }
      assert.equal((await u.api.post('/api/product/user/add', { name: 'Quota C' })).status, 200);

      const refused = await u.api.post('/api/product/inventory/add', {
        productName: 'Quota D',
        category: 'Test',
      });
      assert.equal(refused.status, 429);
      assert.match(refused.body.detail, /^You have added 3 products to the catalogue in the last 24 hours/);
      const retry = Number(refused.headers.get('retry-after'));
      assert.ok(retry > 86_000 && retry <= 86_400, `retry-after ${retry}`);
      assert.equal((await u.api.post('/api/product/user/add', { name: 'Quota D' })).status, 429);
      const mass = await u.api.post('/api/product/user/add-mass', {
        products: [{ productName: 'Quota A' }, { productName: 'Quota E' }],
      });
      assert.equal(mass.status, 200, mass.text);
      assert.deepEqual(
        mass.body.success.map((s: { name: string }) => s.name),
        ['Quota A'],
        'an item of a product already in the catalogue is added',
      );
      assert.match(mass.body.failed[0].reason, /^You have added 3 products/);
      const catalogueMass = await u.api.post('/api/product/inventory/add-mass', {
        products: [{ productName: 'Quota F', category: 'Test' }],
      });
      assert.match(catalogueMass.body.failed[0].reason, /^You have added 3 products/);
      // Nothing of the refused products was written.
      const names = await server.database.db
        .selectFrom('products')
        .select('name')
        .where('created_by', '=', u.id)
        .orderBy('name')
        .execute();
      assert.deepEqual(
        names.map((r) => r.name),
        ['Quota A', 'Quota B', 'Quota C'],
      );
      // Another user has a quota of their own.
      assert.equal(
        (await other.api.post('/api/product/inventory/add', { productName: 'Quota G', category: 'Test' }))
          .status,
        200,
      );
    });

    /** 12 parallel requests from a new user, each adding a new product: exactly the cap (3) stored. */
    async function raceAtCap(login: string, post: (api: Client, i: number) => Promise<Answer>) {
      const u = await newUser(server, login);
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => post(u.api, i)));
      const statuses = answers.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 200, ...Array(9).fill(429)], JSON.stringify(statuses));
      const stored = await server.database.db
        .selectFrom('products')
        .select('id')
        .where('created_by', '=', u.id)
        .execute();
      assert.equal(stored.length, 3);
    }

    test('requests racing at the cap: exactly the cap is stored, the rest are 429', async () => {
      await raceAtCap('racer', (api, i) =>
        api.post('/api/product/inventory/add', { productName: `Race ${i}`, category: 'Test' }),
      );
    });

    test('items of new products racing at the cap (user/add, which looks the name up first): exactly the cap is stored', async () => {
      // Three rounds: a race that slips through does not show in every one.
      for (let round = 0; round < 3; round++) {
        await raceAtCap(`item-racer-${round}`, (api, i) =>
          api.post('/api/product/user/add', { name: `Item race ${round}.${i}` }),
        );
      }
    });

    test('a product added more than 24 hours ago no longer counts', async () => {
      const u = await newUser(server, 'patient');
      for (const productName of ['Patience A', 'Patience B', 'Patience C']) {
        assert.equal((await u.api.post('/api/product/user/add', { name: productName })).status, 200);
      }
      assert.equal((await u.api.post('/api/product/user/add', { name: 'Patience D' })).status, 429);
      await server.database.db
        .updateTable('products')
        .set({ created_at: new Date(Date.now() - 25 * 3600 * 1000) })
        .where('name', '=', 'Patience A')
        .execute();
      assert.equal((await u.api.post('/api/product/user/add', { name: 'Patience D' })).status, 200);
      assert.equal((await u.api.post('/api/product/user/add', { name: 'Patience E' })).status, 429);
    });
  });
}
