import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrateToHead } from '../support/app.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { insertProduct, insertUser } from '../support/inventory-rows.js';
import { type Instance, startInstance, TestSocket } from '../support/sockets.js';

/**
 * The original pushed `Product_Scanned` when a scanned item was added. Over real HTTP and a real
 * socket: the owner's socket receives it once the item is committed; another user's never does.
 */
for (const dialect of DIALECTS) {
  describe(`Product_Scanned push on ${dialect}`, () => {
    let scratch: ScratchDatabase;
    let server: Instance;
    before(async () => {
      scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      server = await startInstance(scratch);
    });
    after(async () => {
      await server.close();
      await scratch.drop();
    });

    /** A real HTTP request to the API as the holder of `token`. */
    const call = (token: string, method: string, path: string, body?: unknown) =>
      fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    test('user/add with isScannedProduct and with ?barcode= push to the owner only', async () => {
      const alice = await insertUser(server.database, 'alice');
      const bob = await insertUser(server.database, 'bob');
      await insertProduct(server.database, 'Oat Milk', { barcode: '4006381333931' });
      const aliceToken = server.app.tokens.sign(alice);
      const mine = new TestSocket(`${server.wsUrl}?access_token=${aliceToken}`);
      const theirs = new TestSocket(`${server.wsUrl}?access_token=${server.app.tokens.sign(bob)}`);
      assert.equal((await mine.next()).type, 'CONNECTION_ESTABLISHED');
      assert.equal((await theirs.next()).type, 'CONNECTION_ESTABLISHED');

      const post = (path: string, body: unknown) => call(aliceToken, 'POST', path, body);
      const byName = await post('/api/product/user/add', { name: 'Banana', isScannedProduct: true });
      assert.equal(byName.status, 200);
      const added = (await byName.json()) as { itemId: string };
      const frame = await mine.next();
      assert.equal(frame.type, 'Product_Scanned');
      assert.equal(frame.message, 'Product Scanned successfully');
      assert.equal(frame.data.itemId, added.itemId);
      assert.equal(frame.data.name, 'Banana');
      assert.equal(frame.data.expiryEstimated, true);
      // The item's date at the top too, where the expiry frames carry theirs.
      assert.match(frame.data.expiryDate, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(frame.expiryDate, frame.data.expiryDate);
      assert.equal(frame.notification.expiryDate, frame.data.expiryDate);

      const byBarcode = await post('/api/product/user/add?barcode=4006381333931', {});
      assert.equal(byBarcode.status, 200);
      const second = await mine.next();
      assert.equal(second.type, 'Product_Scanned');
      assert.equal(second.data.name, 'Oat Milk');

      // A plain add (not scanned) pushes nothing; PING proves the queue holds nothing before it.
      const plain = await post('/api/product/user/add', { name: 'Rice', expiryDate: '2031-01-01' });
      assert.equal(plain.status, 200);
      assert.deepEqual(await mine.ask('PING'), { type: 'pong' });
      assert.deepEqual(await theirs.ask('PING'), { type: 'pong' }, "bob's socket received nothing");
      await mine.close();
      await theirs.close();
    });

    test('add-mass pushes Product_Scanned for each scanned item it adds, to the owner only', async () => {
      const dave = await insertUser(server.database, 'dave');
      const erin = await insertUser(server.database, 'erin');
      const daveToken = server.app.tokens.sign(dave);
      const mine = new TestSocket(`${server.wsUrl}?access_token=${daveToken}`);
      const theirs = new TestSocket(`${server.wsUrl}?access_token=${server.app.tokens.sign(erin)}`);
      assert.equal((await mine.next()).type, 'CONNECTION_ESTABLISHED');
      assert.equal((await theirs.next()).type, 'CONNECTION_ESTABLISHED');

      const res = await call(daveToken, 'POST', '/api/product/user/add-mass', {
        products: [
          { productName: 'Kefir', quantity: 2, isScannedProduct: true },
          { productName: 'Lentils', expiryDate: '2031-01-01' },
          { quantity: 1, isScannedProduct: true },
          { productName: 'Tofu', is_scanned_product: true, notes: 'firm' },
        ],
      });
      assert.equal(res.status, 200);
      const { success, failed } = (await res.json()) as {
        success: { itemId: string; name: string }[];
        failed: unknown[];
      };
      assert.deepEqual(
        success.map((s) => s.name),
        ['Kefir', 'Lentils', 'Tofu'],
      );
      assert.equal(failed.length, 1, 'the item without a name');

      // One frame per scanned item, in the order they were added; none for Lentils.
      const frames = await mine.take(2);
      assert.deepEqual(
        frames.map((f) => [f.type, f.message, f.data.name, f.data.itemId]),
        [
          ['Product_Scanned', 'Product Scanned successfully', 'Kefir', success[0]!.itemId],
          ['Product_Scanned', 'Product Scanned successfully', 'Tofu', success[2]!.itemId],
        ],
      );
      assert.deepEqual([frames[0].data.quantity, frames[1].data.notes], [2, 'firm']);
      assert.deepEqual(await mine.ask('PING'), { type: 'pong' }, 'nothing for the plain item');
      assert.deepEqual(await theirs.ask('PING'), { type: 'pong' }, "erin's socket received nothing");
      await mine.close();
      await theirs.close();
    });

    test('a scan missed while offline comes in the backlog with the data of its live push; a deleted item leaves its name', async () => {
      const carol = await insertUser(server.database, 'carol');
      const token = server.app.tokens.sign(carol);
      const skyr = await insertProduct(server.database, 'Skyr', { barcode: '4012345678901' });
      await server.database.db
        .insertInto('nutrition')
        .values({ id: crypto.randomUUID(), product_id: skyr, energy_kcal: 63, protein: 11 })
        .execute();
      const res = await call(token, 'POST', '/api/product/user/add?barcode=4012345678901', { quantity: 2 });
      assert.equal(res.status, 200);
      const { itemId, expiryDate } = (await res.json()) as { itemId: string; expiryDate: string | null };

      const socket = new TestSocket(`${server.wsUrl}?access_token=${token}`);
      assert.equal((await socket.next()).type, 'CONNECTION_ESTABLISHED');
      const frame = await socket.next();
      assert.equal(frame.type, 'Product_Scanned');
      assert.equal(frame.notification.itemId, itemId);
      assert.equal(frame.data.itemId, itemId);
      assert.equal(frame.data.productId, skyr);
      assert.equal(frame.data.name, 'Skyr');
      assert.equal(frame.data.quantity, 2);
      assert.equal(frame.data.barcode, '4012345678901');
      assert.equal(frame.data.notes, 'Scanned Via Barcode with Code 4012345678901');
      assert.equal(frame.data.expiryDate, expiryDate);
      assert.equal(frame.data.nutrition.energy_kcal, '63.00');
      assert.equal(frame.data.nutrition.protein, '11.00');
      assert.equal(frame.data.nutrition.fiber, 'N/A');
      await socket.close();

      assert.equal((await call(token, 'DELETE', `/api/product/user/delete/${itemId}`)).status, 200);
      const again = new TestSocket(`${server.wsUrl}?access_token=${token}`);
      assert.equal((await again.next()).type, 'CONNECTION_ESTABLISHED');
      const after = await again.next();
      assert.equal(after.type, 'Product_Scanned');
      assert.deepEqual(after.data, { name: 'Skyr' });
      await again.close();
    });
  });
}
