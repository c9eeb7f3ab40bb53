// Products the catalogue creates without nutrients start `pending` when a nutrition source is
// configured (so the background updater looks them up), `unknown` when none is; the catalogue
// list, the inventory list and the nutrients statistic say which.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newUser, type TestServer, type TestUser } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';
import { type FakeService, fakeUsda, USDA_APPLE } from '../support/fake-services.js';
import { scanConfig, startScanServer } from '../support/scanning.js';

for (const dialect of DIALECTS) {
  describe(`nutrition status of catalogue products on ${dialect}`, () => {
    let server: TestServer;
    let plain: TestServer;
    let user: TestUser;
    let usda: FakeService;
    before(async () => {
      usda = await fakeUsda({ apple: USDA_APPLE }).start();
      const base = scanConfig();
      server = await startScanServer(dialect, {
        config: {
          ...base,
          nutrition: { ...base.nutrition, apiKey: 'test-key', baseUrl: usda.baseUrl, retrySeconds: 0 },
        },
      });
      plain = await startScanServer(dialect);
      user = await newUser(server, 'nutri');
    });
    after(async () => {
      await server?.close();
      await plain?.close();
      await usda?.stop();
    });

    const statusIn = async (u: TestUser, productId: string) => {
      const catalogue = await u.api.get('/api/product/inventory/list?limit=1000');
      assert.equal(catalogue.status, 200, catalogue.text);
      const inventory = await u.api.get('/api/product/user/list?limit=500');
      assert.equal(inventory.status, 200, inventory.text);
      const stats = await u.api.get(`/api/stats/nutrients/${productId}`);
      assert.equal(stats.status, 200, stats.text);
      return {
        catalogue: catalogue.body.products.find((p: { id: string }) => p.id === productId)?.nutritionStatus,
        inventory: inventory.body.products.find((p: { productId: string }) => p.productId === productId)
          ?.nutritionStatus,
        stats: stats.body.nutritionStatus,
      };
    };

    test('a source configured: a new product is looked up at once, whichever route creates it', async () => {
      // The server's updater has no timer here (retrySeconds 0): only the look-up each route starts
      // once its product is committed can fill these in.
      const asked = usda.requests.length;
      const added = await user.api.post('/api/product/inventory/add', {
        productName: 'Red Apple',
        category: 'Fruit',
      });
      assert.equal(added.status, 200, added.text);
      const byName = await user.api.post('/api/product/user/add', { name: 'Apple Slices', quantity: 1 });
      assert.equal(byName.status, 200, byName.text);
      const mass = await user.api.post('/api/product/inventory/add-mass', {
        products: [{ productName: 'Apple Crumble', category: 'Bakery' }],
      });
      assert.equal(mass.status, 200, mass.text);
      const userMass = await user.api.post('/api/product/user/add-mass', {
        products: [{ productName: 'Apple Pie', quantity: 1 }],
      });
      assert.equal(userMass.status, 200, userMass.text);
      const ids = [
        added.body.productId,
        byName.body.productId,
        mass.body.success?.[0]?.productId,
        userMass.body.success?.[0]?.productId,
      ];
      await server.app.scanning.nutrition.idle();
      for (const id of ids) {
        assert.ok(id, JSON.stringify([mass.body, userMass.body]));
        const row = await server.database.db
          .selectFrom('products')
          .select('nutrition_status')
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.equal(row.nutrition_status, 'found', id);
      }
      assert.equal(usda.requests.length - asked, ids.length, 'each product asked for once');
      await user.api.post('/api/product/user/add', { name: 'Red Apple', quantity: 1 });
      assert.deepEqual(await statusIn(user, added.body.productId), {
        catalogue: 'found',
        inventory: 'found',
        stats: 'found',
      });
    });

    test('no source configured: new products are unknown, and the listings say so', async () => {
      const u = await newUser(plain, 'plain');
      const added = await u.api.post('/api/product/user/add', { name: 'Plain Bread', quantity: 1 });
      assert.equal(added.status, 200, added.text);
      assert.deepEqual(await statusIn(u, added.body.productId), {
        catalogue: 'unknown',
        inventory: 'unknown',
        stats: 'unknown',
      });
    });
  });
}
