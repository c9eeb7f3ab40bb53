import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { signUp } from '../support/app.js';
import { assertPartialMassAdd503, startBoundedServer } from '../support/bounded-server.js';
import { holdRow } from '../support/hold-row-lock.js';

// `add-mass` adds each item in a transaction of its own: when the database stops answering
// partway, the items before stay added, and the 503 says which, and which to send again.
describe('add-mass when the database becomes unavailable partway', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: the 503 lists what was added, what failed, and what is pending; retrying the pending adds the rest`, async () => {
      const server = await startBoundedServer(dialect, { dbTimeoutSeconds: 1, poolSize: 2 });
      const holder = await openDatabase(server.scratch.parsed, { poolSize: 1 });
      let lock: Awaited<ReturnType<typeof holdRow>> | undefined;
      try {
        const user = await signUp(server.baseUrl, 'massout');
        const jam = await user.api.post('/api/product/user/add', { name: 'Locked jam', quantity: 1 });
        assert.equal(jam.status, 200, jam.text);
        // Adding an item of an existing product locks the product's row: held elsewhere, the
        // fourth item waits past DB_TIMEOUT_SECONDS — the database, for this request, does not answer.
        lock = await holdRow(holder, 'products', jam.body.productId);
        const products = [
          { productName: 'Fresh tea', quantity: 1 },
          { quantity: 2 },
          { productName: 'Fresh rice', quantity: 3 },
          { productName: 'Locked jam', quantity: 4 },
          { productName: 'Later soup', quantity: 5 },
        ];
        const res = await user.api.post('/api/product/user/add-mass', { products });
        assertPartialMassAdd503(res);
        assert.deepEqual(
          res.body.success.map((s: { name: string; quantity: number }) => [s.name, s.quantity]),
          [
            ['Fresh tea', 1],
            ['Fresh rice', 3],
          ],
        );
        assert.deepEqual(res.body.failed, [
          { product: { quantity: 2 }, reason: 'Missing required fields: productName' },
        ]);
        assert.deepEqual(res.body.pending, products.slice(3));

        lock.release();
        await lock.done;
        lock = undefined;
        // What the 503 said was added is there, and nothing it said was pending.
        const listed = await user.api.get('/api/product/user/list');
        const names = (items: { name: string; quantity: number }[]) =>
          items.map((i) => `${i.name} ×${i.quantity}`).sort();
        assert.deepEqual(names(listed.body.products), ['Fresh rice ×3', 'Fresh tea ×1', 'Locked jam ×1']);
        const retried = await user.api.post('/api/product/user/add-mass', { products: res.body.pending });
        assert.equal(retried.status, 200, retried.text);
        assert.deepEqual(retried.body.failed, []);
        const after = await user.api.get('/api/product/user/list');
        assert.deepEqual(names(after.body.products), [
          'Fresh rice ×3',
          'Fresh tea ×1',
          'Later soup ×5',
          'Locked jam ×1',
          'Locked jam ×4',
        ]);
      } finally {
        lock?.release();
        await lock?.done;
        await server.close();
        await holder.destroy();
      }
    });
  }
});
