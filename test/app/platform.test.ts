import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newUser, startServer, type TestServer, type TestUser } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';

describe('platform (sqlite)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('sqlite');
  });
  after(() => server.close());

  test('status: the original answer plus the database state, public', async () => {
    const res = await server.client().get('/api/status', { authorization: 'Bearer garbage' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      status: 'OK',
      message: 'Server Is Running',
      database: { reachable: true, atHead: true },
    });
    assert.equal((await server.client().post('/api/status')).status, 405);
    assert.equal((await server.client().get('/api/status/')).status, 200, 'trailing slash tolerated');
  });

  test('OpenAPI document and Swagger UI are served', async () => {
    const doc = await server.client().get('/api/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    const paths = Object.keys(doc.body.paths);
    for (const p of [
      '/api/status',
      '/api/auth/signup',
      '/api/auth/login',
      '/api/user/profile',
      '/api/user/change-password',
      '/api/user/delete-account',
      '/api/user/export',
      '/api/product/inventory/add',
      '/api/product/inventory/list',
      '/api/product/inventory/update/{product_id}',
      '/api/product/inventory/delete/{product_id}',
      '/api/product/inventory/add-mass',
      '/api/product/barcodes',
      '/api/product/user/add',
      '/api/product/user/list',
      '/api/product/user/update/{product_id}',
      '/api/product/user/delete/{product_id}',
      '/api/product/user/add-mass',
      '/api/notification/list',
      '/api/notification/mark-read/{notification_id}',
      '/api/notification/mark-all-read',
      '/api/stats/expired-products',
      '/api/stats/expiry-trends',
      '/api/stats/wastage-category',
      '/api/stats/wasted-vs-eaten',
      '/api/stats/nutrients/{product_id}',
    ]) {
      assert.ok(paths.includes(p), `${p} documented`);
    }
    assert.deepEqual(doc.body.paths['/api/auth/login'].post.security, []);
    // Every upload route says what it takes (Swagger UI can send a file) and what it can answer.
    for (const p of ['/api/qr', '/api/scan', '/api/yolo/detect']) {
      const post = doc.body.paths[p].post;
      assert.equal(
        post.requestBody.content['multipart/form-data'].schema.properties.file.format,
        'binary',
        p,
      );
      for (const status of ['400', '413', '415', '422', '503'])
        assert.ok(post.responses[status], `${p} ${status}`);
    }
    assert.ok(doc.body.components.securitySchemes.bearerAuth);
    const trends = JSON.stringify(doc.body.paths['/api/stats/expiry-trends']);
    assert.match(trends, /Units wasted/);
    const ui = await fetch(`${server.baseUrl}/docs`, { redirect: 'follow' });
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /swagger/i);
  });

  test('security headers, request ids, 404 and 405 in the JSON error shape', async () => {
    const res = await server.client().get('/api/nothing-here');
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { detail: 'Not Found' });
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /style-src 'self' 'unsafe-inline'/);
    assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-site');
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.ok(res.headers.get('strict-transport-security'));
    // The same headers on a successful answer as on an error.
    const ok = await server.client().get('/api/status');
    assert.equal(ok.headers.get('content-security-policy'), csp);
    assert.equal(ok.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const given = await server.client().get('/api/status', { 'x-request-id': 'trace-123' });
    assert.equal(given.headers.get('x-request-id'), 'trace-123');
    const hostile = await server.client().get('/api/status', { 'x-request-id': 'bad id\twith spaces' });
    assert.notEqual(hostile.headers.get('x-request-id'), 'bad id\twith spaces');
    const badPath = await server.client().get('/api/stats/nutrients/%ZZ');
    assert.equal(badPath.status, 400);
    assert.deepEqual(Object.keys(badPath.body), ['detail']);
    const wrongMethod = await server.client().send('PATCH', '/api/product/user/list');
    assert.equal(wrongMethod.status, 405);
    assert.deepEqual(wrongMethod.body, { detail: 'Method Not Allowed' });
    assert.match(wrongMethod.headers.get('allow') ?? '', /GET/);
  });

  test('CORS: the configured origins only, with credentials', async () => {
    const pre = await fetch(`${server.baseUrl}/api/product/user/list`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.ok(pre.status === 200 || pre.status === 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/i);
    assert.equal(pre.headers.get('access-control-max-age'), '600');
    const other = await fetch(`${server.baseUrl}/api/status`, {
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    // A preflight from another origin: the original's 400, and nothing that would let it through.
    const refused = await fetch(`${server.baseUrl}/api/product/user/list`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), { detail: 'Disallowed CORS origin' });
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
  });
});

describe('CORS_ORIGINS', () => {
  test('only the listed origins are allowed', async () => {
    const server = await startServer('sqlite', { corsOrigins: ['https://app.example.com'] });
    try {
      const ok = await fetch(`${server.baseUrl}/api/status`, {
        headers: { origin: 'https://app.example.com' },
      });
      assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
      const dev = await fetch(`${server.baseUrl}/api/status`, {
        headers: { origin: 'http://localhost:5173' },
      });
      assert.equal(dev.headers.get('access-control-allow-origin'), null);
    } finally {
      await server.close();
    }
  });
});

describe('API_DOCS off (the default on MySQL/PostgreSQL)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('sqlite', { apiDocs: false });
  });
  after(() => server.close());

  test('no OpenAPI document and no Swagger UI; the API itself is unchanged', async () => {
    for (const p of ['/api/openapi.json', '/docs', '/docs/', '/docs/static/swagger-ui.css']) {
      const res = await server.client().get(p);
      assert.equal(res.status, 404, p);
      assert.deepEqual(res.body, { detail: 'Not Found' }, p);
    }
    const u = await newUser(server, 'nodocs');
    assert.equal((await server.client(u.token).get('/api/user/profile')).status, 200);
    assert.equal((await server.client().get('/api/status')).status, 200);
  });
});

/** Malformed input of every kind on every route: 4xx, never 5xx. */
for (const dialect of DIALECTS) {
  describe(`no malformed input is a 500 on ${dialect}`, () => {
    let server: TestServer;
    let u: TestUser;
    before(async () => {
      server = await startServer(dialect);
      u = await newUser(server, 'fuzz');
    });
    after(() => server.close());

    test('bodies, ids and query strings', async () => {
      const doc = (await server.client().get('/api/openapi.json')).body;
      const ids = ['x', '%25', 'é🍎', "' or 1=1 --", 'a'.repeat(64), 'a'.repeat(65), '..%2F..%2Fetc'];
      const bodies: unknown[] = [
        undefined,
        '',
        '{',
        'null',
        '[]',
        '"text"',
        '123',
        {},
        { name: null, productName: null, quantity: null, email: null, password: null },
        { name: 12, productName: [], category: {}, quantity: '1', expiryDate: 20300101, notes: 5 },
        { name: 'x'.repeat(10_000), productName: '🍎'.repeat(300), category: 'c'.repeat(101) },
        { products: [{}, null, 'x', { productName: 'Valid Name', category: 'Ok', quantity: 1e300 }] },
        { quantity: 1e300, expiryDate: '9999-99-99', status: 'eaten', nutrition: { iron: 1e308 } },
        { email: 'a@b.c', password: 'x'.repeat(100_000) },
        { dob: '0000-00-00', currentPassword: '', newPassword: '' },
        {
          name: 'nul\u0000name',
          productName: 'nul\u0000name',
          category: 'c',
          email: 'a\u0000@b.co',
          password: 'secret\u0000',
        },
      ];
      const queries = [
        '',
        '?limit=-1',
        '?offset=1e99',
        '?status[]=x',
        '?name=%00',
        '?sort=__proto__',
        '?days=99999',
        '?barcode=',
      ];
      let requests = 0;
      const failures = new Set<string>();
      for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
        for (const method of Object.keys(ops)) {
          for (const id of path.includes('{') ? ids : ['']) {
            const url = path.replace(/\{[^}]+\}/, encodeURIComponent(id).replaceAll('%25', '%'));
            for (const q of queries) {
              for (const body of method === 'get' || method === 'delete' ? [undefined] : bodies) {
                const res = await u.api.send(method.toUpperCase(), `${url}${q}`, body);
                requests++;
                if (res.status === 500) {
                  failures.add(
                    `${method.toUpperCase()} ${path}${q} ${JSON.stringify(body)?.slice(0, 80)} → ${res.status}`,
                  );
                }
                assert.ok(res.status !== 200 || typeof res.body === 'object');
              }
            }
          }
        }
      }
      assert.deepEqual([...failures], [], 'no 500 answers');
      assert.ok(requests > 500);
    });
  });
}
