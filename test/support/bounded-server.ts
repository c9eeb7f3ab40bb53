import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app/build-app.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { migrateToHead, testConfig } from './app.js';
import { type ScratchDatabase, scratchDatabase } from './databases.js';
import { APP_MIGRATIONS } from './engine.js';

/**
 * A listening server on a scratch database at head that opens its own pool, as the real server
 * does — so with `DB_TIMEOUT_SECONDS`'s bounds (startServer hands it a pool without them).
 */
export async function startBoundedServer(
  dialect: 'mysql' | 'postgres',
  overrides: Partial<AppConfig>,
  env: Record<string, string> = {},
): Promise<{ app: FastifyInstance; baseUrl: string; scratch: ScratchDatabase; close(): Promise<void> }> {
  const scratch = await scratchDatabase(dialect);
  await migrateToHead(scratch);
  const app = await buildApp({
    config: testConfig(scratch, overrides),
    logger: false,
    env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS, ...env },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    scratch,
    close: async () => {
      await app.close();
      await scratch.drop();
    },
  };
}

/** An add-mass answer that timed out midway: the 503 that tells the client to send `pending` again. */
export function assertPartialMassAdd503(res: {
  status: number;
  text: string;
  headers: Headers;
  body: { detail?: unknown };
}): void {
  assert.equal(res.status, 503, res.text);
  assert.equal(res.headers.get('retry-after'), '5');
  assert.equal(
    res.body.detail,
    'The database did not answer in time: the items in `success` were added; send only those in `pending` again',
  );
}
