import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app/build-app.js';
import { loadScanningConfig, type ScanningConfig } from '../../src/config/scanning-config.js';
import { openDatabase } from '../../src/db/database.js';
import type { ScanNotifier } from '../../src/features/scans/service.js';
import type { DialectName } from '../../src/migrate/index.js';
import { Client, migrateToHead, type TestServer, testConfig } from './app.js';
import { scratchDatabase } from './databases.js';
import { APP_MIGRATIONS } from './engine.js';

/** Scanning settings for tests: providers off, one decoding thread, small limits. */
export function scanConfig(overrides: Partial<ScanningConfig> = {}): ScanningConfig {
  const base = loadScanningConfig({});
  return { ...base, decodeThreads: 1, maxUploadBytes: 4 * 1024 * 1024, ...overrides };
}

/** A server like `startServer`'s, with the scanning settings and push notifier chosen by the test. */
export async function startScanServer(
  dialect: DialectName,
  scanning: { config?: ScanningConfig; notify?: ScanNotifier } = {},
): Promise<TestServer> {
  const scratch = await scratchDatabase(dialect);
  await migrateToHead(scratch);
  const queries: string[] = [];
  const database = await openDatabase(scratch.parsed, { poolSize: 5, onQuery: (q) => queries.push(q) });
  const app = await buildApp({
    config: testConfig(scratch),
    database,
    logger: { level: 'error' },
    env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
    scanning: { config: scanning.config ?? scanConfig(), notify: scanning.notify },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app,
    baseUrl,
    database,
    scratch,
    queries,
    client: (token?: string) => new Client(baseUrl, token),
    close: async () => {
      await app.close();
      await database.destroy();
      await scratch.drop();
    },
  };
}

/** POSTs an image as multipart/form-data (field `file`) with extra text fields. */
export async function upload(
  baseUrl: string,
  path: string,
  token: string,
  image: Buffer,
  fields: Record<string, string> = {},
  type = 'image/jpeg',
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(image)], { type }), 'photo');
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}
