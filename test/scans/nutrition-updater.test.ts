import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NutritionUpdater } from '../../src/features/scans/nutrition-updater.js';
import { ProviderError } from '../../src/integrations/http-json.js';
import { UsdaClient } from '../../src/integrations/usda/client.js';
import { DIALECTS } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { type FakeService, fakeUsda, USDA_APPLE } from '../support/fake-services.js';
import { insertProduct, migratedDatabase } from '../support/inventory-rows.js';

/** A logger that keeps what was said at warn level and above, and its fields as text (`said`). */
function recordingLog() {
  const lines: { level: string; msg: string }[] = [];
  const said: string[] = [];
  // An error's message is not an enumerable field: written out as pino's serializer does.
  const asText = (obj: unknown) =>
    JSON.stringify(obj, (_k, v) => (v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v));
  const at = (level: string) => (obj: unknown, msg?: string) => {
    lines.push({ level, msg: msg ?? '' });
    said.push(`${asText(obj)} ${msg ?? ''}`);
  };
  const log = { debug: () => undefined, info: () => undefined, warn: at('warn'), error: at('error') };
  return { lines, said, log: log as never };
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

    // undici's error for such a key quotes it ('Headers.append: "SEKRET KEY" is an invalid header
    // value.'); sorted as unreachable, it was retried, and the key logged each time.
    test('a key HTTP cannot carry: given up at once, and the key is in no log line', async () => {
      const { lines, said, log } = recordingLog();
      const client = new UsdaClient({ apiKey: 'SEKRET\0KEY', baseUrl: usda.baseUrl, timeoutMs: 5000 });
      const updater = new NutritionUpdater(db.database, client, { intervalMs: 0, maxAttempts: 3 }, log);
      const id = await insertProduct(db.database, 'Quince');
      await updater.attempt(id);
      const row = await db.database.db
        .selectFrom('products')
        .select(['nutrition_status', 'nutrition_attempts'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.deepEqual([row.nutrition_status, row.nutrition_attempts], ['unknown', 1]);
      assert.deepEqual(lines, [
        { level: 'warn', msg: 'nutrition look-up given up; nutrition stays unknown' },
      ]);
      assert.match(said.join('\n'), /x-api-key header/);
      assert.doesNotMatch(said.join('\n'), /SEKRET/);
    });

    /** The product's retry state, and how far from now its next attempt is (ms). */
    const retryState = async (id: string) => {
      const row = await db.database.db
        .selectFrom('products')
        .select(['nutrition_status', 'nutrition_attempts', 'nutrition_next_attempt_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const wait = row.nutrition_next_attempt_at!.getTime() - Date.now();
      return { status: row.nutrition_status, attempts: row.nutrition_attempts, wait };
    };

    // A Retry-After in the year 9999 left the product pending until then; twenty digits of seconds
    // made an Invalid Date, the UPDATE threw, and the row kept only its 2-minute claim with its
    // attempts at 0 (asked again every 2 minutes, forever); 400 digits is Infinity.
    for (const retryAfter of ['Fri, 31 Dec 9999 23:59:59 GMT', '99999999999999999999', '9'.repeat(400)]) {
      test(`Retry-After ${retryAfter.slice(0, 30)}: the retry comes within an hour, and counts`, async () => {
        const client = new UsdaClient({ apiKey: 'test-key', baseUrl: usda.baseUrl, timeoutMs: 5000 });
        const updater = new NutritionUpdater(db.database, client, { intervalMs: 0, maxAttempts: 3 });
        const id = await insertProduct(db.database, `Apple ${retryAfter.length}`);
        usda.fault = {
          kind: 'status',
          status: 429,
          body: { error: { code: 'OVER_RATE_LIMIT', message: 'slow down' } },
          headers: { 'retry-after': retryAfter },
        };
        try {
          await updater.attempt(id);
        } finally {
          usda.fault = { kind: 'none' };
        }
        const { status, attempts, wait } = await retryState(id);
        assert.deepEqual([status, attempts], ['pending', 1]);
        // Not the 2-minute claim: an hour, less the test's own time and a DATETIME's lost fraction.
        assert.ok(wait > 3590_000 && wait <= 3600_000, `next attempt in ~1 h, got ${wait} ms`);
      });
    }

    /** `n` new products, named apart so that the client's per-name cache does not answer for USDA. */
    const products = async (prefix: string, n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push(await insertProduct(db.database, `${prefix} ${i} apple`));
      return ids;
    };

    test('kicked look-ups ask USDA four at a time: a list of new products is no burst', async () => {
      const client = new UsdaClient({ apiKey: 'test-key', baseUrl: usda.baseUrl, timeoutMs: 60_000 });
      const updater = new NutritionUpdater(db.database, client, { intervalMs: 0, maxAttempts: 3 });
      const ids = await products('Burst', 10);
      // Held unanswered: none can finish, so none can make room for another.
      usda.fault = { kind: 'delay', ms: 60_000 };
      const asked = usda.requests.length;
      try {
        for (const id of ids) updater.kick(id);
        for (const wave of [4, 8, 10]) {
          assert.ok(await eventually(() => usda.requests.length - asked >= wave), `wave up to ${wave}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
          assert.equal(usda.requests.length - asked, wave, 'no more than four at once');
          usda.dropHeld(); // they fail as unreachable (retried later), and the next ones start
        }
        await updater.idle();
      } finally {
        usda.fault = { kind: 'none' };
      }
      const rows = await db.database.db
        .selectFrom('products')
        .select(['nutrition_status', 'nutrition_attempts'])
        .where('id', 'in', ids)
        .execute();
      assert.deepEqual(
        new Set(rows.map((r) => `${r.nutrition_status} ${r.nutrition_attempts}`)),
        new Set(['pending 1']),
      );
    });

    test('after a 429 the products waiting are not asked, and keep their attempts for later', async () => {
      const client = new UsdaClient({ apiKey: 'test-key', baseUrl: usda.baseUrl, timeoutMs: 5000 });
      const updater = new NutritionUpdater(db.database, client, { intervalMs: 0, maxAttempts: 3 });
      const ids = await products('Limited', 7);
      usda.fault = {
        kind: 'status',
        status: 429,
        body: { error: { code: 'OVER_RATE_LIMIT', message: 'slow down' } },
        headers: { 'retry-after': '600' },
      };
      const asked = usda.requests.length;
      try {
        for (const id of ids) updater.kick(id);
        await updater.idle();
      } finally {
        usda.fault = { kind: 'none' };
      }
      // Only those already under way when the first 429 came were sent (at most the four places),
      // and each of them counts; the others were not sent and keep their attempts.
      const sent = usda.requests.length - asked;
      assert.ok(sent >= 1 && sent <= 4, `sent ${sent}`);
      const states = await Promise.all(ids.map(retryState));
      const counted = states.filter((s) => s.attempts === 1);
      const waiting = states.filter((s) => s.attempts === 0);
      assert.deepEqual([counted.length, waiting.length], [sent, 7 - sent]);
      for (const s of states) {
        assert.equal(s.status, 'pending');
        assert.ok(s.wait > 590_000 && s.wait <= 600_000, `due when the pause ends, got ${s.wait} ms`);
      }
    });

    test('a delay that is not a number waits the longest backoff, never an Invalid Date', async () => {
      const client = {
        food: async () => {
          throw new ProviderError('USDA FoodData Central', 'rate_limited', 'slow down', Number.NaN, 429);
        },
      } as unknown as UsdaClient;
      const options = { intervalMs: 0, maxAttempts: 3, maxDelayMs: 600_000 };
      const id = await insertProduct(db.database, 'Pear');
      await new NutritionUpdater(db.database, client, options).attempt(id);
      const { status, attempts, wait } = await retryState(id);
      assert.deepEqual([status, attempts], ['pending', 1]);
      assert.ok(wait > 590_000 && wait <= 600_000, `next attempt in ~10 min, got ${wait} ms`);
    });
  });
}
