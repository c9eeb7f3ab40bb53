// Scans with the barcode and nutrition providers switched on, against local fakes: a product is
// fetched once and then served from the catalogue; provider failures never fail a scan; nutrition
// never blocks product creation and is filled in by the background retry.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { newUser, type TestServer, type TestUser } from '../support/app.js';
import { photograph, renderCode } from '../support/barcode-images.js';
import { eventually } from '../support/eventually.js';
import {
  type FakeService,
  fakeOpenFoodFacts,
  fakeUsda,
  OFF_MILK,
  USDA_APPLE,
} from '../support/fake-services.js';
import { scanConfig, startScanServer, upload } from '../support/scanning.js';

const JUICE = '5449000000996';
const OFF_JUICE = {
  code: JUICE,
  product_name: 'Apple Juice',
  brands: 'Orchard',
  categories_tags: ['en:beverages', 'en:juices'],
};

/** Barcodes Open Food Facts knows that only one test scans each (tests do not depend on order). */
const FAULTY = '4000000000013';
const LIMITED = '4000000000020';

// Each test has a user of its own, and finds the barcode provider rested: the clock its back-off
// reads is moved past any pause the test before caused (a Retry-After is held to an hour).
describe('scans with providers (sqlite)', () => {
  let server: TestServer;
  let user: TestUser;
  let off: FakeService;
  let usda: FakeService;
  let clock = Date.now();
  const photos = new Map<string, Buffer>();
  const photo = async (code: string) => {
    if (!photos.has(code))
      photos.set(code, await photograph(await renderCode('ean13', code), { codeShare: 0.3 }));
    return photos.get(code)!;
  };
  const product = (barcode: string) =>
    server.database.db.selectFrom('products').selectAll().where('barcode', '=', barcode).executeTakeFirst();

  before(async () => {
    off = await fakeOpenFoodFacts({
      [OFF_MILK.code]: OFF_MILK,
      [JUICE]: OFF_JUICE,
      [FAULTY]: { ...OFF_MILK, code: FAULTY },
      [LIMITED]: { ...OFF_MILK, code: LIMITED },
    }).start();
    usda = await fakeUsda({ apple: USDA_APPLE }).start();
    const base = scanConfig();
    server = await startScanServer('sqlite', {
      config: {
        ...base,
        openFoodFacts: { ...base.openFoodFacts, enabled: true, baseUrl: off.baseUrl, timeoutMs: 400 },
        nutrition: {
          ...base.nutrition,
          apiKey: 'test-key',
          baseUrl: usda.baseUrl,
          // Longer than a test's timeout: a scan that waited for nutrition would never answer.
          timeoutMs: 60_000,
          retrySeconds: 0,
        },
      },
      providerClock: () => clock,
    });
    await server.app.scanning.decoder.warmUp();
  });
  beforeEach(async () => {
    clock += 2 * 3600_000;
    off.fault = { kind: 'none' };
    usda.fault = { kind: 'none' };
    user = await newUser(server, 'scanner');
  });
  after(async () => {
    await server.close();
    await off.stop();
    await usda.stop();
  });

  // The slow provider answers ten minutes late: a scan that waited for it would outlast the timeout.
  test('failures of the barcode provider are scans of unknown products, never failed requests', {
    timeout: 60_000,
  }, async () => {
    const faults = [
      { kind: 'delay', ms: 600_000 },
      { kind: 'status', status: 500 },
      { kind: 'drop' },
      { kind: 'garbage' },
      { kind: 'huge', bytes: 8 * 1024 * 1024, declared: false },
      { kind: 'status', status: 429, headers: { 'retry-after': '3600' } },
    ] as const;
    for (const fault of faults) {
      off.fault = fault;
      const abandoned = off.abandoned;
      const r = await upload(server.baseUrl, '/api/scan', user.token, await photo(FAULTY));
      assert.equal(r.status, 200, `${fault.kind}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.status, 'not_found', fault.kind);
      if (fault.kind === 'delay')
        assert.ok(
          await eventually(() => off.abandoned === abandoned + 1),
          "the provider's timeout ended the wait",
        );
    }
    assert.equal(await product(FAULTY), undefined);
    const log = await server.database.db
      .selectFrom('scan_logs')
      .select('status')
      .where('user_id', '=', user.id)
      .execute();
    assert.equal(log.length, faults.length);
  });

  test('rate limited: scans do not ask the provider until Retry-After, then do', async () => {
    off.fault = { kind: 'status', status: 429, headers: { 'retry-after': '2' } };
    const first = await upload(server.baseUrl, '/api/scan', user.token, await photo(LIMITED));
    assert.equal(first.body.status, 'not_found');
    off.fault = { kind: 'none' };
    const asked = off.requests.length;
    const second = await upload(server.baseUrl, '/api/scan', user.token, await photo(LIMITED));
    assert.deepEqual([second.status, second.body.status], [200, 'not_found']);
    clock += 1999;
    const third = await upload(server.baseUrl, '/api/scan', user.token, await photo(LIMITED));
    assert.equal(third.body.status, 'not_found');
    assert.equal(off.requests.length, asked, 'not asked while backing off');
    clock += 1;
    const fourth = await upload(server.baseUrl, '/api/scan', user.token, await photo(LIMITED));
    assert.equal(fourth.body.status, 'scanned', 'the barcode was not cached as unknown');
  });

  test('a product the provider knows is stored with its nutrients and asked for only once', async () => {
    off.fault = { kind: 'none' };
    const asked = off.requests.length;
    const first = await upload(server.baseUrl, '/api/scan', user.token, await photo(OFF_MILK.code));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(
      [first.body.status, first.body.product.source, first.body.product.brand],
      ['scanned', 'open_food_facts', 'Alpenhof'],
    );
    assert.equal(first.body.product.nutritionStatus, 'found');
    assert.equal(first.body.product.nutrition.calcium, '120.00');
    const second = await upload(server.baseUrl, '/api/scan', user.token, await photo(OFF_MILK.code));
    assert.equal(second.body.product.source, 'catalogue');
    assert.equal(second.body.product.id, first.body.product.id);
    assert.equal(off.requests.length, asked + 1, 'the second scan did not ask the provider');
    const stored = await product(OFF_MILK.code);
    assert.deepEqual([stored?.category, stored?.brand, stored?.created_by], ['Dairy', 'Alpenhof', null]);
  });

  // USDA holds the request until the test drops it, and the client's timeout is longer than the
  // test's: a scan that waited for nutrition would never be answered.
  test('an unreachable nutrition service leaves the product pending at once, the retry fills it', {
    timeout: 30_000,
  }, async () => {
    usda.fault = { kind: 'delay', ms: 600_000 };
    const asked = usda.requests.length;
    const r = await upload(server.baseUrl, '/api/scan', user.token, await photo(JUICE), {
      addToInventory: 'true',
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.product.nutritionStatus, 'pending');
    assert.equal(r.body.product.nutrition.energy_kcal, 'N/A');
    // The look-up in the background reached USDA; then the service goes away.
    assert.ok(await eventually(() => usda.requests.length > asked), 'USDA is asked');
    usda.dropHeld();
    await server.app.scanning.nutrition.idle();
    let row = await product(JUICE);
    assert.equal(row?.nutrition_status, 'pending');
    assert.equal(row?.nutrition_attempts, 1);
    assert.ok(row!.nutrition_next_attempt_at! > new Date(), 'a retry is scheduled');

    // Rate limited on the retry: the service's Retry-After (an hour) is honoured.
    usda.fault = {
      kind: 'status',
      status: 429,
      body: { error: { code: 'OVER_RATE_LIMIT', message: 'slow down' } },
      headers: { 'retry-after': '3600' },
    };
    await server.app.scanning.nutrition.runDue(new Date(Date.now() + 10 * 60_000));
    row = await product(JUICE);
    assert.equal(row?.nutrition_status, 'pending');
    const wait = row!.nutrition_next_attempt_at!.getTime() - Date.now();
    assert.ok(wait > 3500_000 && wait <= 3600_000, `next attempt in ~1 h, got ${wait} ms`);

    usda.fault = { kind: 'none' };
    clock += 2 * 3600_000; // the USDA client's own pause after that 429 is over too
    await server.app.scanning.nutrition.runDue(new Date(Date.now() + 2 * 3600_000));
    row = await product(JUICE);
    assert.deepEqual([row?.nutrition_status, row?.nutrition_next_attempt_at], ['found', null]);
    const list = await user.api.get('/api/product/inventory/list?name=juice');
    assert.equal(list.body.products[0].nutrition.energy_kcal, '52.00');
    const history = await user.api.get('/api/scan/history?limit=1');
    assert.equal(history.body.scans[0].product.nutritionStatus, 'found');
  });

  test('a product the catalogue creates without nutrition is looked up at once; the background pass asks nothing more', async () => {
    usda.fault = { kind: 'none' };
    const before = usda.requests.length;
    const added = await user.api.post('/api/product/inventory/add', {
      productName: 'Green Apple',
      category: 'Fruit',
    });
    assert.equal(added.status, 200, added.text);
    await server.app.scanning.nutrition.idle();
    const row = await server.database.db
      .selectFrom('products')
      .selectAll()
      .where('id', '=', added.body.productId)
      .executeTakeFirstOrThrow();
    assert.equal(row.nutrition_status, 'found');
    // "green apple" is a new food name for the cache, so one request; a pass after it asks nothing.
    assert.equal(usda.requests.length, before + 1);
    await server.app.scanning.nutrition.runDue();
    assert.equal(usda.requests.length, before + 1);
  });

  test('a food USDA does not know is marked not_found, not retried', async () => {
    const added = await user.api.post('/api/product/inventory/add', {
      productName: 'Unobtainium Bar',
      category: 'Snacks',
    });
    await server.app.scanning.nutrition.idle();
    const asked = usda.requests.length;
    await server.app.scanning.nutrition.runDue();
    const row = await server.database.db
      .selectFrom('products')
      .select('nutrition_status')
      .where('id', '=', added.body.productId)
      .executeTakeFirstOrThrow();
    assert.equal(row.nutrition_status, 'not_found');
    assert.equal(usda.requests.length, asked, 'not asked again');
  });
});

describe('POST /api/product/user/add?barcode= with Open Food Facts (sqlite)', () => {
  let server: TestServer;
  let off: FakeService;
  before(async () => {
    off = await fakeOpenFoodFacts({ [OFF_MILK.code]: OFF_MILK }).start();
    const base = scanConfig();
    server = await startScanServer('sqlite', {
      config: {
        ...base,
        openFoodFacts: { ...base.openFoodFacts, enabled: true, baseUrl: off.baseUrl, timeoutMs: 400 },
      },
    });
  });
  after(async () => {
    await server.close();
    await off.stop();
  });

  test('a barcode only the provider knows is added (and cached); an unknown one is still 404', async () => {
    const u = await newUser(server);
    const r = await u.api.post(`/api/product/user/add?barcode=${OFF_MILK.code}`, {});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.name, 'Whole Milk 3.5%');
    assert.equal(r.body.expiryEstimated, true);
    const asked = off.requests.length;
    assert.equal((await u.api.post(`/api/product/user/add?barcode=${OFF_MILK.code}`, {})).status, 200);
    assert.equal(off.requests.length, asked, 'served from the catalogue the second time');
    assert.equal((await u.api.post('/api/product/user/add?barcode=0000000000000', {})).status, 404);
  });
});
