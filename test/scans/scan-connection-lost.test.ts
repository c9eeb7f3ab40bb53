// The database connection is lost in the middle of a scan that adds to the inventory: the answer is
// a 503 that invites a retry, so nothing of the scan may be stored — else the retry adds the item
// twice. (The product's nutrition was read after the commit; losing the connection there answered
// 503 for a scan already stored.)
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/app/build-app.js';
import { type AppDatabase, openDatabase } from '../../src/db/database.js';
import { migrateToHead, signUp, testConfig } from '../support/app.js';
import { photograph, renderCode } from '../support/barcode-images.js';
import { scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS } from '../support/engine.js';
import { catalogueMilk, MILK, scanConfig, upload } from '../support/scanning.js';
import { TcpProxy } from '../support/tcp-proxy.js';

async function rowsOf(db: AppDatabase, userId: string): Promise<number[]> {
  const count = async (table: 'user_products' | 'scan_logs' | 'notifications') =>
    Number(
      (
        await db.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('c'))
          .where('user_id', '=', userId)
          .executeTakeFirstOrThrow()
      ).c,
    );
  return [await count('user_products'), await count('scan_logs'), await count('notifications')];
}

describe('a scan whose database connection is lost midway', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: a 503 with nothing stored; the retry stores the scan once`, async () => {
      const scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      // The connections through the proxy are dropped as the product's nutrition is asked for.
      let cutAt: RegExp | undefined;
      const proxy: TcpProxy = await TcpProxy.start(scratch.parsed.port!, '127.0.0.1', (_id, chunk) => {
        if (cutAt?.test(chunk.toString('latin1'))) {
          cutAt = undefined;
          proxy.drop();
        }
      });
      const app = await buildApp({
        config: testConfig(scratch, { database: { ...scratch.parsed, port: proxy.port } }),
        logger: false,
        env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
        scanning: { config: scanConfig() },
      });
      const direct = await openDatabase(scratch.parsed, { poolSize: 1 });
      try {
        await app.listen({ host: '127.0.0.1', port: 0 });
        const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
        const user = await signUp(base, 'scanner');
        await catalogueMilk(user);
        const photo = await photograph(await renderCode('ean13', MILK));
        const before = await rowsOf(direct, user.id);

        cutAt = /from [`"]nutrition[`"]/i;
        const lost = await upload(base, '/api/scan', user.token, photo, { addToInventory: 'true' });
        assert.equal(cutAt, undefined, 'the nutrition read went through the proxy');
        assert.equal(lost.status, 503, JSON.stringify(lost.body));
        assert.deepEqual(await rowsOf(direct, user.id), before, 'no item, scan log or notification');

        const retried = await upload(base, '/api/scan', user.token, photo, { addToInventory: 'true' });
        assert.equal(retried.status, 200, JSON.stringify(retried.body));
        assert.equal(retried.body.product.name, 'Whole Milk');
        assert.deepEqual(
          await rowsOf(direct, user.id),
          before.map((n) => n + 1),
          'one item, one scan log, one notification',
        );
      } finally {
        await app.close();
        await direct.destroy();
        await proxy.close();
        await scratch.drop();
      }
    });
  }
});
