import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Debian's Chromium, headless, for the tests that need a real browser (CSP, CORS, Swagger UI).
 * `.ci/run` installs it and sets EXPIREEYE_REQUIRE_BROWSER=1, so that there a missing browser
 * fails those tests; elsewhere they are skipped with `browserSkip` saying what to install.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = fs.existsSync(CHROMIUM);
const required = process.env.EXPIREEYE_REQUIRE_BROWSER === '1';

/** For `describe(name, { skip: browserSkip }, …)`: false, or why the browser tests are skipped. */
export const browserSkip: false | string =
  !haveBrowser && !required && `no ${CHROMIUM} (apt-get install -y chromium)`;

/** Throws (fails the suite) when the browser is required but missing. */
export function assertBrowser(): void {
  if (!haveBrowser) {
    throw new Error(`EXPIREEYE_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install -y chromium)`);
  }
}

/**
 * The DOM of `url` after its scripts ran, with Chromium's --dump-dom and a virtual time budget
 * (virtual time waits for the page's pending fetches). `hosts` maps made-up host names to
 * 127.0.0.1, giving pages origins that are neither localhost nor each other.
 */
export function renderedDom(url: string, hosts: string[] = []): Promise<string> {
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
    ...(hosts.length ? [`--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1`).join(',')}`] : []),
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
