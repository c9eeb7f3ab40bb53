import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrateToHead } from '../support/app.js';
import { photograph, renderCode } from '../support/barcode-images.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { insertUser } from '../support/inventory-rows.js';
import { upload } from '../support/scanning.js';
import { type Instance, startInstance, TestSocket } from '../support/sockets.js';

/**
 * The "done when", as a user lives it, over real HTTP and a real WebSocket: photograph a
 * barcode, upload it, find the product in the inventory with an estimated expiry date, find the scan
 * in the history, and receive the scan notification on the open socket.
 */
describe('a photographed barcode, from upload to inventory, history and socket', () => {
  let scratch: ScratchDatabase;
  let server: Instance;
  before(async () => {
    scratch = await scratchDatabase('postgres');
    await migrateToHead(scratch);
    server = await startInstance(scratch);
  });
  after(async () => {
    await server.close();
    await scratch.drop();
  });

  test('upload → inventory (estimated expiry) → history → Product_Scanned', async () => {
    const alice = await insertUser(server.database, 'alice');
    const token = server.app.tokens.sign(alice);
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.baseUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
      });
    const created = await api('/api/product/inventory/add', {
      method: 'POST',
      body: JSON.stringify({ productName: 'Greek Yogurt', category: 'Dairy', barcode: '5012345678900' }),
    });
    assert.equal(created.status, 200);

    const socket = new TestSocket(`${server.wsUrl}?access_token=${token}`);
    assert.equal((await socket.next()).type, 'CONNECTION_ESTABLISHED');

    const photo = await photograph(await renderCode('ean13', '5012345678900'), {
      rotateDegrees: 3,
      noise: 10,
    });
    const scan = await upload(server.baseUrl, '/api/scan', token, photo, { addToInventory: 'true' });
    assert.equal(scan.status, 200, JSON.stringify(scan.body));
    assert.equal(scan.body.status, 'scanned');
    const itemId: string = scan.body.item.itemId;

    const pushed = await socket.next();
    assert.equal(pushed.type, 'Product_Scanned');
    assert.equal(pushed.data.itemId, itemId);
    assert.equal(pushed.data.name, 'Greek Yogurt');

    const list = (await (await api('/api/product/user/list')).json()) as { products: any[] };
    const item = list.products.find((p) => p.itemId === itemId);
    assert.ok(item, 'the scanned product is in the inventory');
    assert.equal(item.expiryEstimated, true);
    assert.match(item.expiryDate, /^\d{4}-\d{2}-\d{2}/);
    assert.ok('nutrition' in item);

    const history = (await (await api('/api/scan/history')).json()) as { scans: any[] };
    assert.equal(history.scans[0].barcode, '5012345678900');
    assert.equal(history.scans[0].status, 'scanned');
    await socket.close();
  });
});
