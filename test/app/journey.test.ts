import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addDays } from '../../src/db/dates.js';
import { startServer, type TestServer } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';

/**
 * The whole user journey over real HTTP against a listening server: sign up, log in, build the
 * catalogue, fill the inventory, list, update, delete, read stats, read and mark notifications —
 * with a second user who must never see or touch the first one's data.
 */
for (const dialect of DIALECTS) {
  describe(`user journey on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(dialect);
    });
    after(() => server.close());

    test('sign up → log in → catalogue → inventory → list → update → delete → stats → notifications', async () => {
      const anon = server.client();
      const today = server.today;
      assert.equal((await anon.get('/api/status')).body.status, 'OK');

      // Sign up and log in (e-mail in another case).
      const signup = await anon.post('/api/auth/signup', {
        name: 'Alice',
        email: `alice.journey.${dialect}@example.com`,
        password: 'correct horse',
        dob: '1990-04-01',
      });
      assert.equal(signup.status, 200, signup.text);
      const login = await anon.post('/api/auth/login', {
        email: `ALICE.journey.${dialect}@example.com`,
        password: 'correct horse',
      });
      assert.equal(login.status, 200);
      const alice = server.client(login.body.token);
      const profile = await alice.get('/api/user/profile');
      assert.equal(profile.body.name, 'Alice');
      const bobSignup = await anon.post('/api/auth/signup', {
        name: 'Bob',
        email: `bob.journey.${dialect}@example.com`,
        password: 'battery staple',
      });
      const bob = server.client(bobSignup.body.token);

      // Catalogue: one by one and in bulk.
      const milk = await alice.post('/api/product/inventory/add', {
        productName: 'Milk',
        category: 'Dairy',
        barcode: '5000112637922',
        nutrition: { energy_kcal: 64, protein: 3.3, calcium: 120 },
      });
      assert.equal(milk.status, 200, milk.text);
      const bulk = await alice.post('/api/product/inventory/add-mass', {
        products: [
          { productName: 'Banana', category: 'Fruit' },
          { productName: 'Spinach', category: 'Veg' },
          { productName: 'Bread', category: 'Bakery' },
          { productName: 'Milk', category: 'Dairy' },
        ],
      });
      assert.equal(bulk.body.success.length, 3);
      assert.equal(bulk.body.failed.length, 1);
      const barcodes = await alice.get('/api/product/barcodes');
      assert.deepEqual(barcodes.body.products, [{ productName: 'Milk', barcode: '5000112637922' }]);

      // Inventory: by barcode scan, by name with a date, scanned by name, in bulk.
      const scanned = await alice.post('/api/product/user/add?barcode=5000112637922', {});
      assert.equal(scanned.status, 200, scanned.text);
      assert.equal(scanned.body.expiryDate, addDays(today, 7));
      const bread = await alice.post('/api/product/user/add', {
        name: 'bread',
        quantity: 2,
        expiryDate: addDays(today, 3),
      });
      const banana = await alice.post('/api/product/user/add', {
        name: 'Banana',
        quantity: 6,
        isScannedProduct: true,
      });
      assert.equal(banana.body.expiryDate, addDays(today, 5));
      const mass = await alice.post('/api/product/user/add-mass', {
        products: [
          { productName: 'Spinach', quantity: 1, expiryDate: '2024-06-01' },
          { productName: 'Eggs', quantity: 12, expiryDate: addDays(today, 20), notes: 'free range' },
          { productName: 'No', quantity: 1 },
        ],
      });
      assert.equal(mass.body.success.length, 2);
      assert.equal(mass.body.failed.length, 1);
      await bob.post('/api/product/user/add', { name: 'Milk', quantity: 9, expiryDate: '2024-01-01' });

      // List, sort and filter.
      const list = await alice.get('/api/product/user/list');
      assert.equal(list.status, 200);
      assert.equal(list.body.total, 5);
      // Newest first: the mass add's two items in the reverse of the order they were sent.
      assert.deepEqual(
        list.body.products.slice(0, 2).map((p: { name: string }) => p.name),
        ['Eggs', 'Spinach'],
        'newest first',
      );
      const milkItem = list.body.products.find((p: { name: string }) => p.name === 'Milk');
      assert.equal(milkItem.nutrition.energy_kcal, '64.00');
      assert.equal(milkItem.nutrition.calcium, '120.00');
      const soon = await alice.get('/api/product/user/list?expiringWithinDays=5&sort=expiryDate');
      assert.deepEqual(
        soon.body.products.map((p: { name: string }) => p.name),
        ['Bread', 'Banana'],
      );
      const expired = await alice.get('/api/product/user/list?status=expired');
      assert.deepEqual(
        expired.body.products.map((p: { name: string }) => p.name),
        ['Spinach'],
      );

      // Update (by item id and, as the original front end does, by catalogue id) and delete.
      const upd = await alice.put(`/api/product/user/update/${bread.body.itemId}`, {
        quantity: 1,
        notes: 'half eaten',
      });
      assert.equal(upd.status, 200);
      assert.equal(upd.body.quantity, 1);
      const eaten = await alice.put(`/api/product/user/update/${banana.body.productId}`, {
        status: 'consumed',
      });
      assert.equal(eaten.body.itemId, banana.body.itemId);
      assert.equal(
        (await bob.put(`/api/product/user/update/${bread.body.itemId}`, { quantity: 5 })).status,
        404,
      );
      assert.equal((await bob.delete(`/api/product/user/delete/${bread.body.itemId}`)).status, 404);
      const eggs = list.body.products[0];
      assert.equal((await alice.delete(`/api/product/user/delete/${eggs.itemId}`)).status, 200);
      assert.equal((await alice.get('/api/product/user/list')).body.total, 4);

      // The catalogue is protected: Bob cannot delete Alice's Milk; Alice cannot while Bob holds it.
      assert.equal((await bob.delete(`/api/product/inventory/delete/${milk.body.productId}`)).status, 403);
      const held = await alice.delete(`/api/product/inventory/delete/${milk.body.productId}`);
      assert.equal(held.status, 409);

      // The sweep runs: the spinach (and Bob's milk) expire; each owner is told about their own.
      await server.app.expirySweep.run();

      // Stats: Alice's own numbers only.
      const wve = await alice.get('/api/stats/wasted-vs-eaten');
      assert.deepEqual(wve.body, [
        { status: 'wasted', count: 1 },
        { status: 'active', count: 2 },
        { status: 'consumed', count: 1 },
      ]);
      const exp = await alice.get('/api/stats/expired-products');
      assert.deepEqual(exp.body, [{ date: '2024-06-01', expired_count: 1, expired_quantity: 1 }]);
      const cat = await alice.get('/api/stats/wastage-category');
      assert.deepEqual(cat.body, [{ category: 'Veg', percentage: 100, count: 1 }]);
      assert.equal((await alice.get('/api/stats/expiry-trends')).status, 200);
      const nutrients = await alice.get(`/api/stats/nutrients/${milk.body.productId}`);
      assert.equal(nutrients.body.nutrients.protein, 3.3);

      // Notifications: the scans and the expiry, newest first; mark one, then all.
      const notes = await alice.get('/api/notification/list');
      assert.deepEqual(
        notes.body.notifications.map((n: { type: string; message: string }) => [n.type, n.message]),
        [
          ['warning', 'Product Spinach has expired'],
          ['info', 'Product Scanned successfully'],
          ['info', 'Product Scanned successfully'],
        ],
      );
      const bobNotes = await bob.get('/api/notification/list');
      assert.deepEqual(
        bobNotes.body.notifications.map((n: { message: string }) => n.message),
        ['Product Milk has expired'],
      );
      assert.equal(
        (await bob.post(`/api/notification/mark-read/${notes.body.notifications[0].id}`)).status,
        404,
      );
      assert.equal(
        (await alice.post(`/api/notification/mark-read/${notes.body.notifications[0].id}`)).status,
        200,
      );
      assert.equal((await alice.get('/api/notification/list?unread=true')).body.unread, 2);
      assert.equal((await alice.post('/api/notification/mark-all-read')).body.updated, 2);
      assert.equal((await alice.get('/api/notification/list')).body.unread, 0);

      // Profile and password changes; the old password stops working.
      assert.equal((await alice.put('/api/user/profile', { name: 'Alice L.' })).body.name, 'Alice L.');
      const changed = await alice.post('/api/user/change-password', {
        currentPassword: 'correct horse',
        newPassword: 'new horse!',
      });
      assert.equal(changed.status, 200);
      assert.equal(
        (
          await anon.post('/api/auth/login', {
            email: `alice.journey.${dialect}@example.com`,
            password: 'correct horse',
          })
        ).status,
        401,
      );

      // Leaving: download everything, then delete the account; Bob keeps what he has.
      const again = server.client(changed.body.token);
      const mine = await again.get('/api/user/export');
      assert.equal(mine.status, 200);
      assert.equal(mine.body.profile.name, 'Alice L.');
      const inventoryBefore = mine.body.inventory.length;
      assert.ok(inventoryBefore > 0);
      const bobsBefore = (await bob.get('/api/product/user/list')).body.total;
      assert.equal((await again.post('/api/user/delete-account', { password: 'new horse!' })).status, 200);
      assert.equal((await again.get('/api/user/profile')).status, 401);
      assert.equal((await bob.get('/api/product/user/list')).body.total, bobsBefore);
    });
  });
}
