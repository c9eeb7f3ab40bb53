// What a client sends wrongly is the client's error: a body cut short by a hang-up is not a database
// outage, and a string that has no UTF-8 form is refused instead of being stored as U+FFFD.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app/build-app.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToHead, newUser, startServer, type TestServer, testConfig } from '../support/app.js';
import { DIALECTS, scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS } from '../support/engine.js';
import { eventually } from '../support/eventually.js';

for (const dialect of DIALECTS) {
  describe(`client input errors on ${dialect}`, () => {
    test('a JSON body shorter than its Content-Length, then a hang-up: a client error, not "database unavailable"', async () => {
      const scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      const lines: any[] = [];
      const database = await openDatabase(scratch.parsed, { poolSize: 2 });
      const app = await buildApp({
        config: testConfig(scratch),
        database,
        logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } },
        env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
      });
      // The status the error handler answered with (onSend runs although the socket is gone).
      const answered: number[] = [];
      app.addHook('onSend', async (request, reply) => {
        if (request.id === 'cut-short') answered.push(reply.statusCode);
      });
      try {
        await app.listen({ host: '127.0.0.1', port: 0 });
        const { port } = app.server.address() as AddressInfo;
        const socket = net.connect(port, '127.0.0.1');
        await new Promise<void>((resolve) => socket.once('connect', resolve));
        socket.write(
          'POST /api/auth/signup HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: cut-short\r\n' +
            'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":"A",',
        );
        await new Promise((r) => setTimeout(r, 100));
        socket.destroy();
        assert.ok(await eventually(() => answered.length > 0), 'the request was answered');
        assert.deepEqual(answered, [400]);
        assert.deepEqual(
          lines.filter((l) => l.level >= 50).map((l) => l.msg),
          [],
          'no error line (it used to be "database unavailable")',
        );
      } finally {
        await app.close();
        await database.destroy();
        await scratch.drop();
      }
    });

    describe('strings with lone UTF-16 surrogates', () => {
      let server: TestServer;
      before(async () => {
        server = await startServer(dialect);
      });
      after(() => server.close());

      test('are a 422 naming the field; surrogate pairs (emoji) are fine', async () => {
        const u = await newUser(server, 'surrogates');
        for (const productName of ['Sur\ud800123', 'Sur\udc00', 'Sur\ud83c']) {
          const res = await u.api.post('/api/product/inventory/add', { productName, category: 'Dairy' });
          assert.equal(res.status, 422, JSON.stringify(productName));
          assert.deepEqual(res.body, {
            errors: [{ field: 'productName', message: 'String should be valid Unicode' }],
          });
        }
        const item = await u.api.post('/api/product/user/add', { name: 'Sur\ud800123' });
        assert.equal(item.status, 422);
        assert.deepEqual(item.body, {
          errors: [{ field: 'name', message: 'String should be valid Unicode' }],
        });
        assert.equal((await u.api.get('/api/product/user/list')).body.products.length, 0, 'nothing stored');
        // Nested too: an item of a mass add fails alone, the others are added.
        const mass = await u.api.post('/api/product/user/add-mass', {
          products: [
            { productName: 'Fine', quantity: 1 },
            { productName: 'Xyz', notes: 'a\udfffb' },
          ],
        });
        assert.equal(mass.status, 200, mass.text);
        assert.deepEqual(
          mass.body.failed.map((f: { reason: string }) => f.reason),
          ['notes: String should be valid Unicode'],
        );

        const ok = await u.api.post('/api/product/user/add', { name: 'Apple 🍎' });
        assert.equal(ok.status, 200, ok.text);
        const list = await u.api.get('/api/product/user/list');
        assert.deepEqual(list.body.products.map((p: any) => p.name).sort(), ['Apple 🍎', 'Fine']);
      });
    });

    describe('JSON bodies', () => {
      let server: TestServer;
      before(async () => {
        server = await startServer(dialect);
      });
      after(() => server.close());

      const raw = (token: string, contentType: string, body: Uint8Array | string) =>
        fetch(`${server.baseUrl}/api/product/inventory/add`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
          body,
        });

      test('a body that is not valid UTF-8 is a 422 and nothing is stored (it was stored with U+FFFD)', async () => {
        const u = await newUser(server, 'utf8');
        const bad = Buffer.concat([
          Buffer.from('{"productName":"Bad'),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('utf","category":"c"}'),
        ]);
        // Also a UTF-8 sequence cut short, and an over-long encoding of '/'.
        const truncated = Buffer.concat([Buffer.from('{"productName":"Caf'), Buffer.from([0xc3])]);
        const overlong = Buffer.concat([
          Buffer.from('{"productName":"a'),
          Buffer.from([0xc0, 0xaf]),
          Buffer.from('b"}'),
        ]);
        for (const body of [bad, truncated, overlong]) {
          const res = await raw(u.token, 'application/json', body);
          assert.equal(res.status, 422);
          assert.deepEqual(await res.json(), {
            errors: [{ field: 'body', message: 'The body is not valid UTF-8' }],
          });
        }
        const list = await u.api.get('/api/product/inventory/list');
        assert.deepEqual(list.body.products, [], 'nothing stored');
        // Valid multi-byte UTF-8 is fine.
        const ok = await raw(
          u.token,
          'application/json',
          Buffer.from('{"productName":"Café 🍎","category":"c"}'),
        );
        assert.equal(ok.status, 200, await ok.text());
        const names = (await u.api.get('/api/product/inventory/list')).body.products.map((p: any) => p.name);
        assert.deepEqual(names, ['Café 🍎']);
      });

      test('any application/<x>+json type is JSON (application/vnd.api+json was a 415)', async () => {
        const u = await newUser(server, 'suffix');
        for (const [i, type] of [
          'application/vnd.api+json',
          'application/problem+json; charset=utf-8',
          'Application/Merge-Patch+JSON',
        ].entries()) {
          const res = await raw(u.token, type, JSON.stringify({ productName: `Suffix ${i}`, category: 'c' }));
          assert.equal(res.status, 200, `${type}: ${await res.text()}`);
        }
        for (const type of ['application/+json', 'text/vnd.api+json', 'application/vnd.api+jsonx']) {
          const res = await raw(u.token, type, JSON.stringify({ productName: 'Nope', category: 'c' }));
          assert.equal(res.status, 415, type);
        }
      });
    });

    test("requests Node's HTTP parser refuses are answered in the API's error shape", async () => {
      const server = await startServer(dialect);
      const raw = async (request: string) => {
        const { port } = new URL(server.baseUrl);
        const socket = net.connect(Number(port), '127.0.0.1');
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk;
        });
        const closed = new Promise((resolve) => socket.once('close', resolve));
        socket.on('error', () => {});
        socket.write(request);
        await closed;
        const [head, body] = text.split('\r\n\r\n');
        return { statusLine: head!.split('\r\n')[0], body: JSON.parse(body!) };
      };
      try {
        // A URL over Node's 16 KB limit (a long query string).
        const long = await raw(
          `GET /api/product/user/list?name=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
        );
        assert.equal(long.statusLine, 'HTTP/1.1 431 Request Header Fields Too Large');
        assert.deepEqual(long.body, {
          detail: 'The request line and headers are too large (at most 16 KB).',
        });
        const garbled = await raw('GET /api/status HTTP/1.1\r\nHost x\r\n\r\n');
        assert.equal(garbled.statusLine, 'HTTP/1.1 400 Bad Request');
        assert.deepEqual(garbled.body, { detail: 'The request is not valid HTTP.' });
      } finally {
        await server.close();
      }
    });
  });
}
