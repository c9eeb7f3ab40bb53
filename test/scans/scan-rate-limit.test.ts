// The per-user scan budget (SCAN_RATE_LIMIT_PER_MINUTE): QR reads, scans, detections and adds by
// barcode draw on one count per user; past it they are refused with 429 before the upload is read
// or anything is recorded, while other users, other routes and adds by name go on.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newUser, type TestServer, type TestUser } from '../support/app.js';
import { photograph, renderCode } from '../support/barcode-images.js';
import { catalogueMilk, MILK, scanConfig, startScanServer, upload } from '../support/scanning.js';
import { tinyYolo } from '../support/tiny-onnx.js';

describe('the per-user scan budget', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-scan-budget-'));
  const modelPath = path.join(dir, 'tiny.onnx');
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let milkPhoto: Buffer;

  before(async () => {
    fs.writeFileSync(modelPath, tinyYolo());
    const base = scanConfig({ rateLimitPerMinute: 4 });
    server = await startScanServer('sqlite', {
      config: { ...base, detection: { ...base.detection, modelPath, labels: 'apple,banana,carrot' } },
    });
    alice = await newUser(server, 'alice');
    bob = await newUser(server, 'bob');
    await catalogueMilk(alice);
    milkPhoto = await photograph(await renderCode('ean13', MILK));
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const scanLogs = async (userId: string) =>
    (await server.database.db.selectFrom('scan_logs').select('id').where('user_id', '=', userId).execute())
      .length;

  test('QR read, scan, detection and add by barcode share one count; the fifth is 429 and records nothing', async () => {
    const statuses = [
      (await upload(server.baseUrl, '/api/qr', alice.token, milkPhoto)).status,
      (await upload(server.baseUrl, '/api/scan', alice.token, milkPhoto)).status,
      (await upload(server.baseUrl, '/api/yolo/detect', alice.token, milkPhoto)).status,
      (await alice.api.post(`/api/product/user/add?barcode=${MILK}`, {})).status,
    ];
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    assert.equal(await scanLogs(alice.id), 2, 'the scan and the add by barcode are logged');

    const refused = await upload(server.baseUrl, '/api/scan', alice.token, milkPhoto, {
      addToInventory: 'true',
    });
    assert.equal(refused.status, 429);
    assert.match(refused.body.detail, /^Too many requests\. Try again in \d+ seconds\.$/);
    assert.equal(await scanLogs(alice.id), 2, 'the refused scan is not logged');
    const byBarcode = await alice.api.post(`/api/product/user/add?barcode=${MILK}`, {});
    assert.equal(byBarcode.status, 429);
    assert.ok(Number(byBarcode.headers.get('retry-after')) > 0);
    const items = await alice.api.get('/api/product/user/list');
    assert.equal(items.body.total, 1, 'only the add by barcode before the limit went in');

    // Adding by name spends nothing; other routes are not limited by it; Bob has his own count.
    const byName = await alice.api.post('/api/product/user/add', { name: 'Bread', quantity: 1 });
    assert.equal(byName.status, 200, byName.text);
    assert.equal((await upload(server.baseUrl, '/api/scan', bob.token, milkPhoto)).status, 200);
    assert.equal(await scanLogs(bob.id), 1);
  });

  test('without a valid token it is 401, not a count against anyone', async () => {
    const r = await upload(server.baseUrl, '/api/qr', 'not-a-token', milkPhoto);
    assert.equal(r.status, 401);
  });
});
