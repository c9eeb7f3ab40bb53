import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../support/app.js';

/**
 * `/docs` rendered by a real browser (Debian's Chromium, headless). The page is reached as
 * `http://docs.test:<port>` — a plain-HTTP origin that is not localhost, as a LAN address or a
 * dev host name would be — because that is where a security header can break it: with helmet's
 * default `upgrade-insecure-requests` the browser fetched Swagger UI's own scripts over https://
 * and the page stayed blank (loopback addresses are exempt, which hid it).
 *
 * Chromium is installed by `.ci/run`, which sets EXPIREEYE_REQUIRE_BROWSER=1: there a missing
 * browser fails the test. Elsewhere it is skipped, saying what to install.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = fs.existsSync(CHROMIUM);
const required = process.env.EXPIREEYE_REQUIRE_BROWSER === '1';

/** The DOM after the page's scripts ran (Chromium's --dump-dom with a virtual time budget). */
function renderedDom(url: string, hostRule: string): Promise<string> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    `--host-resolver-rules=${hostRule}`,
    '--virtual-time-budget=10000',
    '--dump-dom',
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let dom = '';
    child.stdout.on('data', (d) => {
      dom += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      fs.rmSync(profile, { recursive: true, force: true });
      if (code === 0) resolve(dom);
      else reject(new Error(`chromium exited ${code}`));
    });
  });
}

describe('Swagger UI in a real browser', {
  skip: !haveBrowser && !required && `no ${CHROMIUM} (apt-get install -y chromium)`,
}, () => {
  let server: TestServer;
  before(async () => {
    assert.ok(
      haveBrowser,
      `EXPIREEYE_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`,
    );
    server = await startServer('sqlite');
  });
  after(() => server?.close());

  test('/docs renders every tag and operation over plain HTTP on a non-localhost name', async () => {
    const port = new URL(server.baseUrl).port;
    const dom = await renderedDom(`http://docs.test:${port}/docs/`, 'MAP docs.test 127.0.0.1');
    const tags = [...dom.matchAll(/data-tag="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(tags.length >= 6, `Swagger UI rendered ${tags.length} tag sections:\n${dom.slice(0, 2000)}`);
    for (const tag of ['auth', 'catalogue', 'inventory', 'notifications', 'stats']) {
      assert.ok(tags.includes(tag), `tag ${tag} rendered (got ${tags.join(', ')})`);
    }
    assert.match(dom, /data-path="\/api\/auth\/login"/);
    assert.match(dom, /data-path="\/api\/product\/user\/list"/);
  });
});
