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

/** Starts headless Chromium on `url`; `hosts` are mapped to 127.0.0.1 (see renderedDom). */
function launch(url: string, hosts: string[], extra: string[]) {
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
    ...extra,
    url,
  ];
  const child = spawn(CHROMIUM, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      fs.rmSync(profile, { recursive: true, force: true });
      resolve(code);
    });
  });
  return { child, exited };
}

/**
 * The DOM of `url` after its scripts ran, with Chromium's --dump-dom and a virtual time budget
 * (virtual time waits for the page's pending fetches, not for WebSockets: a page that uses one
 * reports back with `openPage` instead). `hosts` maps made-up host names to 127.0.0.1, giving
 * pages origins that are neither localhost nor each other.
 */
export async function renderedDom(url: string, hosts: string[] = []): Promise<string> {
  const { child, exited } = launch(url, hosts, ['--virtual-time-budget=10000', '--dump-dom']);
  let dom = '';
  child.stdout.on('data', (d) => {
    dom += d;
  });
  const code = await exited;
  if (code !== 0) throw new Error(`chromium exited ${code}`);
  return dom;
}

/** Opens `url` in real time and keeps the browser running until `close()` (or 60 s). */
export function openPage(url: string, hosts: string[] = []): { close(): Promise<void> } {
  const { child, exited } = launch(url, hosts, []);
  child.stdout.resume();
  return {
    close: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
