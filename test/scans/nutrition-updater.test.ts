import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NutritionUpdater } from '../../src/features/scans/nutrition-updater.js';
import { UsdaClient } from '../../src/integrations/usda/client.js';
import { DIALECTS } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { type FakeService, fakeUsda, USDA_APPLE } from '../support/fake-services.js';
import { insertProduct, migratedDatabase } from '../support/inventory-rows.js';

/** A logger that keeps what was said at warn level and above. */
function recordingLog() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_obj: unknown, msg?: string) => {
    lines.push({ level, msg: msg ?? '' });
  };
  const log = { debug: () => undefined, info: () => undefined, warn: at('warn'), error: at('error') };
  return { lines, log: log as never };
}

for (const dialect of DIALECTS) {
  describe(`background nutrition look-up on ${dialect}`, () => {
    let usda: FakeService;
    let db: Awaited<ReturnType<typeof migratedDatabase>>;
    before(async () => {
      usda = await fakeUsda({ apple: USDA_APPLE }).start();
      db = await migratedDatabase(dialect);
    });
    after(async () => {
      await db.close();
      await usda.stop();
    });

    test('a product deleted while USDA is being asked ends the look-up quietly', async () => {
      const { lines, log } = recordingLog();
      const client = new UsdaClient({ apiKey: 'test-key', baseUrl: usda.baseUrl, timeoutMs: 5000 });
      const updater = new NutritionUpdater(db.database, client, { intervalMs: 0, maxAttempts: 3 }, log);
      const id = await insertProduct(db.database, 'Apple');
      usda.fault = { kind: 'delay', ms: 400 };
      const asked = usda.requests.length;
      const lookUp = updater.attempt(id);
      assert.ok(await eventually(() => usda.requests.length > asked), 'USDA was asked');
      await db.database.db.deleteFrom('products').where('id', '=', id).execute();
      await lookUp;
      assert.deepEqual(lines, [], 'no warning or error for a product that no longer exists');
      const rows = await db.database.db
        .selectFrom('nutrition')
        .select('id')
        .where('product_id', '=', id)
        .execute();
      assert.deepEqual(rows, []);

      // A product that stays gets its nutrition from the same answer.
      usda.fault = { kind: 'none' };
      const kept = await insertProduct(db.database, 'Apple');
      await updater.attempt(kept);
      const row = await db.database.db
        .selectFrom('products')
        .select('nutrition_status')
        .where('id', '=', kept)
        .executeTakeFirstOrThrow();
      assert.equal(row.nutrition_status, 'found');
      assert.deepEqual(lines, []);
    });
  });
}
