import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../support/app.js';
import { assertBrowser, browserSkip, openPage } from '../support/browser.js';

/**
 * The original's web front end talks to the API from its own origin, with a bearer token: every
 * call but the simplest is a CORS preflight. Here a page served from `http://front.test:<port>`
 * makes the front end's calls to `http://api.test:<port>` in a real browser (headless Chromium),
 * and posts what it got back to its own server. CORS_ORIGINS lists the front end's origin; a page from
 * another origin must get nothing (the browser blocks the answers).
 */
function frontEndPage(api: string, email: string): string {
  return `<!doctype html><html><body><script>
(async () => {
  const out = {};
  try {
    const json = { 'content-type': 'application/json' };
    const signup = await fetch('${api}/api/auth/signup', { method: 'POST', headers: json,
      body: JSON.stringify({ name: 'Front', email: '${email}', password: 'front-password' }) });
    out.signup = signup.status;
    const login = await fetch('${api}/api/auth/login', { method: 'POST', headers: json,
      body: JSON.stringify({ email: '${email}', password: 'front-password' }) });
    const { token } = await login.json();
    out.login = login.status;
    const auth = { authorization: 'Bearer ' + token };
    const add = await fetch('${api}/api/product/user/add', { method: 'POST',
      headers: { ...auth, ...json }, body: JSON.stringify({ name: 'Milk', quantity: 2, expiryDate: '2031-01-31' }) });
    out.add = add.status;
    const list = await fetch('${api}/api/product/user/list', { headers: auth });
    const body = await list.json();
    out.list = list.status;
    out.names = body.products.map((p) => p.name);
    out.requestIdVisible = list.headers.get('x-request-id') !== null;
    const del = await fetch('${api}/api/product/user/delete/' + body.products[0].itemId, { method: 'DELETE', headers: auth });
    out.delete = del.status;
    // Live notifications: the original's socket URL, the token in the query string.
    out.socket = await new Promise((resolve) => {
      const ws = new WebSocket('${api.replace('http', 'ws')}/api/ws/notification?access_token=' + token);
      ws.onmessage = (e) => { resolve(JSON.parse(e.data).type); ws.close(); };
      ws.onerror = () => resolve('error');
    });
  } catch (e) {
    out.error = e.name + ': ' + e.message;
  }
  // Reported to the page's own server: the test waits for this, in real time.
  await fetch('/result', { method: 'POST', body: JSON.stringify(out) });
})();
</script></body></html>`;
}

describe('the original front end from its own origin, in a real browser', { skip: browserSkip }, () => {
  let api: TestServer;
  let front: http.Server;
  let frontPort: number;
  let page = '';
  let report: (result: string) => void = () => undefined;
  before(async () => {
    assertBrowser();
    front = http.createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/result') {
        let body = '';
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => {
          res.end();
          report(body);
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    frontPort = (front.address() as AddressInfo).port;
    api = await startServer('sqlite', { corsOrigins: [`http://front.test:${frontPort}`] });
  });
  after(async () => {
    await api?.close();
    await new Promise((resolve) => front?.close(resolve));
  });

  const run = async (frontHost: string, email: string) => {
    page = frontEndPage(`http://api.test:${new URL(api.baseUrl).port}`, email);
    const reported = new Promise<string>((resolve, reject) => {
      report = resolve;
      setTimeout(() => reject(new Error('the page reported nothing within 30 s')), 30_000).unref();
    });
    const browser = openPage(`http://${frontHost}:${frontPort}/`, [frontHost, 'api.test']);
    try {
      return JSON.parse(await reported);
    } finally {
      await browser.close();
    }
  };

  test('from an origin in CORS_ORIGINS: sign up, log in, add, list, delete (preflights pass) and the live socket', async () => {
    const r = await run('front.test', 'front@example.com');
    assert.deepEqual(r, {
      signup: 200,
      login: 200,
      add: 200,
      list: 200,
      names: ['Milk'],
      requestIdVisible: true,
      delete: 200,
      socket: 'CONNECTION_ESTABLISHED',
    });
  });

  test('from any other origin: the browser gets nothing', async () => {
    const r = await run('evil.test', 'evil@example.com');
    assert.deepEqual(r, { error: 'TypeError: Failed to fetch' });
    // The preflight was refused, so the sign-up itself was never sent.
    const login = await api.client().post('/api/auth/login', {
      email: 'evil@example.com',
      password: 'front-password',
    });
    assert.equal(login.status, 401);
  });
});
