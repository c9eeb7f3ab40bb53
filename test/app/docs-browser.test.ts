import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../support/app.js';
import { assertBrowser, browserSkip, renderedDom } from '../support/browser.js';

/**
 * `/docs` rendered by a real browser (Debian's Chromium, headless). The page is reached as
 * `http://docs.test:<port>` — a plain-HTTP origin that is not localhost, as a LAN address or a
 * dev host name would be — because that is where a security header can break it: with helmet's
 * default `upgrade-insecure-requests` the browser fetched Swagger UI's own scripts over https://
 * and the page stayed blank (loopback addresses are exempt, which hid it).
 */
describe('Swagger UI in a real browser', { skip: browserSkip }, () => {
  let server: TestServer;
  before(async () => {
    assertBrowser();
    server = await startServer('sqlite');
  });
  after(() => server?.close());

  test('/docs renders every tag and operation over plain HTTP on a non-localhost name', async () => {
    const port = new URL(server.baseUrl).port;
    const dom = await renderedDom(`http://docs.test:${port}/docs/`, ['docs.test']);
    const tags = [...dom.matchAll(/data-tag="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(tags.length >= 6, `Swagger UI rendered ${tags.length} tag sections:\n${dom.slice(0, 2000)}`);
    for (const tag of ['auth', 'catalogue', 'inventory', 'notifications', 'stats']) {
      assert.ok(tags.includes(tag), `tag ${tag} rendered (got ${tags.join(', ')})`);
    }
    assert.match(dom, /data-path="\/api\/auth\/login"/);
    assert.match(dom, /data-path="\/api\/product\/user\/list"/);
  });
});
