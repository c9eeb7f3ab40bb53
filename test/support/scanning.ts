import assert from 'node:assert/strict';
import { loadScanningConfig, type ScanningConfig } from '../../src/config/scanning-config.js';
import type { DialectName } from '../../src/migrate/index.js';
import { startServer, type TestServer, type TestUser } from './app.js';

/** Scanning settings for tests: providers off, one decoding thread, small limits. */
export function scanConfig(overrides: Partial<ScanningConfig> = {}): ScanningConfig {
  const base = loadScanningConfig({});
  return { ...base, decodeThreads: 1, maxUploadBytes: 4 * 1024 * 1024, ...overrides };
}

/** A server like `startServer`'s, with the scanning settings chosen by the test. */
export function startScanServer(
  dialect: DialectName,
  scanning: { config?: ScanningConfig; providerClock?: () => number } = {},
): Promise<TestServer> {
  return startServer(dialect, {}, { ...scanning, config: scanning.config ?? scanConfig() });
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

/** The EAN-13 of the tests' catalogue milk. */
export const MILK = '4006381333931';

/** Adds "Whole Milk" (Dairy, barcode MILK) to the catalogue as `user`. */
export async function catalogueMilk(user: TestUser): Promise<void> {
  const add = await user.api.post('/api/product/inventory/add', {
    productName: 'Whole Milk',
    category: 'Dairy',
    barcode: MILK,
  });
  assert.equal(add.status, 200, add.text);
}
