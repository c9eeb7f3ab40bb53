// Uploads are checked as strictly as JSON bodies: a malformed multipart body is a 400 (not a 500),
// form fields get the JSON routes' NUL and date-range checks, and a long QR code's text is cut
// without splitting a character.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newUser, type TestServer, type TestUser } from '../support/app.js';
import { photograph, renderCode } from '../support/barcode-images.js';
import { DIALECTS } from '../support/databases.js';
import { catalogueMilk, MILK, scanConfig, startScanServer, upload } from '../support/scanning.js';
import { tinyYolo } from '../support/tiny-onnx.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-upload-'));
const modelPath = path.join(dir, 'tiny.onnx');
fs.writeFileSync(modelPath, tinyYolo());
after(() => fs.rmSync(dir, { recursive: true, force: true }));

for (const dialect of DIALECTS) {
  describe(`upload input on ${dialect}`, () => {
    let server: TestServer;
    let alice: TestUser;
    let milkPhoto: Buffer;

    before(async () => {
      const base = scanConfig();
      // With a model, so that /api/yolo/detect reads its upload instead of answering 503.
      server = await startScanServer(dialect, {
        config: { ...base, detection: { ...base.detection, modelPath, labels: 'apple,banana,carrot' } },
      });
      alice = await newUser(server, 'alice');
      await catalogueMilk(alice);
      milkPhoto = await photograph(await renderCode('ean13', MILK));
    });
    after(() => server.close());

    const items = async () =>
      (await server.database.db.selectFrom('user_products').select('id').execute()).length;

    test('a malformed multipart body is a 400 on every upload route; 413 and 415 are unchanged', async () => {
      const malformed: [string, string][] = [
        ['multipart/form-data', '{"x":1}'],
        ['multipart/form-data; boundary=xx', '--xx\r\nbroken'],
      ];
      for (const route of ['/api/scan', '/api/qr', '/api/yolo/detect']) {
        for (const [type, body] of malformed) {
          const res = await alice.api.post(route, body, { 'content-type': type });
          assert.equal(res.status, 400, `${route} ${type}: ${res.text}`);
          assert.deepEqual(res.body, { detail: 'Malformed multipart/form-data body' });
        }
        const text = await upload(server.baseUrl, route, alice.token, Buffer.from('text'), {}, 'text/plain');
        assert.equal(text.status, 415, route);
        const huge = await upload(server.baseUrl, route, alice.token, Buffer.alloc(5 * 1024 * 1024, 0xff));
        assert.equal(huge.status, 413, route);
      }
      // Still serving.
      const ok = await upload(server.baseUrl, '/api/scan', alice.token, milkPhoto);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      // A file part that declares no type at all (multipart's default, text/plain): the bytes decide.
      const untyped = await fetch(`${server.baseUrl}/api/scan`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${alice.token}`,
          'content-type': 'multipart/form-data; boundary=xx',
        },
        body: Buffer.concat([
          Buffer.from('--xx\r\nContent-Disposition: form-data; name="file"; filename="milk.jpg"\r\n\r\n'),
          milkPhoto,
          Buffer.from('\r\n--xx--\r\n'),
        ]),
      });
      assert.equal(untyped.status, 200, await untyped.text());
    });

    test('scan form fields: NUL characters and dates outside 1900–2999 are a 422, as in JSON', async () => {
      const before = await items();
      const cases: [Record<string, string>, { field: string; message: string }][] = [
        [{ notes: 'a\u0000b' }, { field: 'notes', message: 'String should not contain NUL characters' }],
        [
          { storage: 'fridge\u0000' },
          { field: 'storage', message: 'String should not contain NUL characters' },
        ],
        [
          { expiryDate: '0100-01-01' },
          { field: 'expiryDate', message: 'Date should be between 1900-01-01 and 2999-12-31' },
        ],
        [
          { expiryDate: '3000-01-01' },
          { field: 'expiryDate', message: 'Date should be between 1900-01-01 and 2999-12-31' },
        ],
        [
          { expiryDate: '2024-01-01garbage' },
          {
            field: 'expiryDate',
            message: 'Input should be a valid date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SS)',
          },
        ],
        // A typo is not a silent "false".
        [{ addToInventory: 'ture' }, { field: 'addToInventory', message: 'Input should be a valid boolean' }],
      ];
      for (const [fields, error] of cases) {
        const r = await upload(server.baseUrl, '/api/scan', alice.token, milkPhoto, {
          addToInventory: 'true',
          ...fields,
        });
        assert.equal(r.status, 422, `${JSON.stringify(fields)}: ${JSON.stringify(r.body)}`);
        assert.deepEqual(r.body, { errors: [error] });
      }
      // The JSON route answers the same for the same date.
      const json = await alice.api.post('/api/product/user/add', { name: 'Milk', expiryDate: '0100-01-01' });
      assert.deepEqual(json.body, {
        errors: [{ field: 'expiryDate', message: 'Date should be between 1900-01-01 and 2999-12-31' }],
      });
      assert.equal(await items(), before, 'nothing added');

      const edge = await upload(server.baseUrl, '/api/scan', alice.token, milkPhoto, {
        addToInventory: 'true',
        expiryDate: ' 2999-12-31 ',
      });
      assert.equal(edge.status, 200, JSON.stringify(edge.body));
      assert.equal(edge.body.item.expiryDate, '2999-12-31');
    });

    test('a long QR code is cut to 64 characters without splitting an emoji', async () => {
      const text = `${'A'.repeat(63)}🍎 and more text after the cut`;
      const qr = await photograph(await renderCode('qrcode', text), { codeShare: 0.4, format: 'png' });
      const r = await upload(server.baseUrl, '/api/scan', alice.token, qr);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const expected = `${'A'.repeat(63)}🍎`;
      assert.equal(r.body.barcode, expected);
      const row = await server.database.db
        .selectFrom('scan_logs')
        .select('barcode')
        .where('id', '=', r.body.scanId)
        .executeTakeFirstOrThrow();
      assert.equal(row.barcode, expected);
    });
  });
}
