// Every scan outcome lands in the scan log with the right status, on every dialect; a scan can add
// the product to the inventory with an estimated expiry and the Product_Scanned push; bad uploads
// write nothing; history is the caller's own, newest first, paginated.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newUser, type TestServer, type TestUser } from '../support/app.js';
import { blankPhoto, photograph, renderCode } from '../support/barcode-images.js';
import { DIALECTS } from '../support/databases.js';
import { catalogueMilk, MILK, startScanServer, upload } from '../support/scanning.js';
import { connected } from '../support/sockets.js';

const UNKNOWN = '5000112637922';

for (const dialect of DIALECTS) {
  describe(`scan log on ${dialect}`, () => {
    let server: TestServer;
    let alice: TestUser;
    let bob: TestUser;
    let milkPhoto: Buffer;
    let unknownPhoto: Buffer;

    before(async () => {
      server = await startScanServer(dialect);
      alice = await newUser(server, 'alice');
      bob = await newUser(server, 'bob');
      await catalogueMilk(alice);
      milkPhoto = await photograph(await renderCode('ean13', MILK), { rotateDegrees: 4, noise: 15 });
      unknownPhoto = await photograph(await renderCode('ean13', UNKNOWN), { rotateDegrees: -5 });
    });
    after(() => server.close());

    const logCount = async () =>
      Number(
        (
          await server.database.db
            .selectFrom('scan_logs')
            .select((eb) => eb.fn.countAll<number>().as('c'))
            .executeTakeFirstOrThrow()
        ).c,
      );

    test('an unknown barcode is logged as not_found', async () => {
      const r = await upload(server.baseUrl, '/api/scan', alice.token, unknownPhoto);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, 'not_found');
      assert.equal(r.body.barcode, UNKNOWN);
      assert.equal(r.body.product, null);
      const row = await server.database.db
        .selectFrom('scan_logs')
        .selectAll()
        .where('id', '=', r.body.scanId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [row.status, row.barcode, row.product_id, row.user_id, row.format],
        ['not_found', UNKNOWN, null, alice.id, 'EAN13'],
      );
    });

    test('a known barcode is logged as scanned and, on request, added with an estimated expiry and a push', async () => {
      // Alice's live notification socket, on the server's real publisher.
      const socket = await connected(
        `${server.baseUrl.replace(/^http/, 'ws')}/api/ws/notification`,
        alice.token,
      );
      const r = await upload(server.baseUrl, '/api/scan', alice.token, milkPhoto, {
        addToInventory: 'true',
        storage: 'fridge',
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, 'scanned');
      assert.equal(r.body.product.name, 'Whole Milk');
      const item = r.body.item;
      assert.equal(item.expiryEstimated, true);
      assert.equal(item.storage, 'fridge');
      const expected = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
      assert.equal(item.expiryDate, expected, 'milk keeps 7 days in the fridge');

      const list = await alice.api.get('/api/product/user/list');
      const listed = list.body.products.find((p: any) => p.itemId === item.itemId);
      assert.ok(listed, 'the item is in the inventory');
      assert.equal(listed.expiryEstimated, true);

      const frame = await socket.next();
      assert.equal(frame.type, 'Product_Scanned');
      assert.equal(frame.message, 'Product Scanned successfully');
      assert.equal(frame.notification.itemId, item.itemId);
      assert.deepEqual(
        [frame.data.name, frame.data.itemId, frame.data.barcode, frame.data.expiryDate, frame.data.storage],
        ['Whole Milk', item.itemId, MILK, item.expiryDate, 'fridge'],
      );
      await socket.close();
      const notes = await alice.api.get('/api/notification/list');
      assert.ok(
        notes.body.notifications.some(
          (n: any) => n.type === 'info' && n.message === 'Product Scanned successfully',
        ),
      );
    });

    test("the user's own date wins over the estimate", async () => {
      const r = await upload(server.baseUrl, '/api/scan', bob.token, milkPhoto, {
        addToInventory: '1',
        expiryDate: '2031-02-03',
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual([r.body.item.expiryDate, r.body.item.expiryEstimated], ['2031-02-03', false]);
    });

    test('a product the user holds past its date is logged as expired', async () => {
      // Alice's milk item from above, moved into the past.
      await server.database.db
        .updateTable('user_products')
        .set({ expiry_date: '2020-01-01' })
        .where('user_id', '=', alice.id)
        .execute();
      const r = await upload(server.baseUrl, '/api/scan', alice.token, milkPhoto);
      assert.equal(r.body.status, 'expired');
      const row = await server.database.db
        .selectFrom('scan_logs')
        .select('status')
        .where('id', '=', r.body.scanId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'expired');
      // For Bob, whose milk is fresh, the same product is simply scanned.
      const b = await upload(server.baseUrl, '/api/scan', bob.token, milkPhoto);
      assert.equal(b.body.status, 'scanned');
    });

    test('no code, a corrupt image, a wrong type, an oversize upload or no file: 4xx and nothing written', async () => {
      const before = await logCount();
      const items = await server.database.db.selectFrom('user_products').select('id').execute();
      const blank = await upload(server.baseUrl, '/api/scan', alice.token, await blankPhoto(), {
        addToInventory: 'true',
      });
      assert.equal(blank.status, 422);
      assert.deepEqual(blank.body.errors, [
        { field: 'file', message: 'No barcode or QR code found in the image' },
      ]);
      const corrupt = await upload(server.baseUrl, '/api/scan', alice.token, milkPhoto.subarray(0, 5000));
      assert.equal(corrupt.status, 422);
      const text = await upload(
        server.baseUrl,
        '/api/scan',
        alice.token,
        Buffer.from('plain text'),
        {},
        'text/plain',
      );
      assert.equal(text.status, 415);
      const disguised = await upload(
        server.baseUrl,
        '/api/scan',
        alice.token,
        Buffer.from('GIF89a not really'),
        {},
        'image/jpeg',
      );
      assert.equal(disguised.status, 415);
      const huge = await upload(
        server.baseUrl,
        '/api/scan',
        alice.token,
        Buffer.alloc(5 * 1024 * 1024, 0xff),
      );
      assert.equal(huge.status, 413);
      const json = await alice.api.post('/api/scan', { file: 'x' });
      assert.equal(json.status, 415);
      const form = new FormData();
      form.append('addToInventory', 'true');
      const none = await fetch(`${server.baseUrl}/api/scan`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}` },
        body: form,
      });
      assert.equal(none.status, 422);
      assert.deepEqual(await none.json(), { errors: [{ field: 'file', message: 'Field required' }] });
      const badField = await upload(server.baseUrl, '/api/scan', alice.token, milkPhoto, {
        storage: 'cellar',
      });
      assert.equal(badField.status, 422);
      assert.equal(await logCount(), before);
      assert.equal(
        (await server.database.db.selectFrom('user_products').select('id').execute()).length,
        items.length,
      );
    });

    test('history is the caller’s own, newest first, paginated', async () => {
      const all = await alice.api.get('/api/scan/history');
      assert.equal(all.status, 200);
      assert.equal(all.body.total, 3);
      assert.deepEqual(
        all.body.scans.map((s: any) => s.status),
        ['expired', 'scanned', 'not_found'],
      );
      assert.equal(all.body.scans[0].product.name, 'Whole Milk');
      const page = await alice.api.get('/api/scan/history?limit=1&offset=1');
      assert.deepEqual(
        [page.body.total, page.body.scans.length, page.body.scans[0].status],
        [3, 1, 'scanned'],
      );
      const bobs = await bob.api.get('/api/scan/history');
      assert.equal(bobs.body.total, 2);
      const filtered = await alice.api.get('/api/scan/history?status=not_found');
      assert.deepEqual(
        filtered.body.scans.map((s: any) => s.barcode),
        [UNKNOWN],
      );
      assert.equal((await server.client().get('/api/scan/history')).status, 401);
    });

    test('POST /api/qr answers the original shapes and stores nothing', async () => {
      const before = await logCount();
      const qr = await photograph(await renderCode('qrcode', 'AP29483'), { codeShare: 0.3 });
      const ok = await upload(server.baseUrl, '/api/qr', alice.token, qr);
      assert.equal(ok.status, 200);
      assert.deepEqual([ok.body.message, ok.body.data], ['QR Scanned successfully', 'AP29483']);
      const none = await upload(server.baseUrl, '/api/qr', alice.token, await blankPhoto());
      assert.deepEqual(none.body, { error: 'No QR code found in the image' });
      const notImage = await upload(
        server.baseUrl,
        '/api/qr',
        alice.token,
        Buffer.from('%PDF-1.4'),
        {},
        'application/pdf',
      );
      assert.equal(notImage.status, 415);
      assert.equal(await logCount(), before);
    });
  });
}
