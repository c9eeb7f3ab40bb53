// The Open Food Facts client against a local fake speaking OFF's v2 product JSON: mapping to our
// units and categories, "not found", and every failure a caller must survive, typed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mapNutriments, OpenFoodFactsClient } from '../../src/integrations/open-food-facts/client.js';
import { ProviderBackingOff } from '../../src/integrations/provider-backoff.js';
import { eventually } from '../support/eventually.js';
import { type FakeService, fakeOpenFoodFacts, OFF_MILK } from '../support/fake-services.js';
import { failure } from '../support/provider-failure.js';

let off: FakeService;
let client: OpenFoodFactsClient;

before(async () => {
  off = await fakeOpenFoodFacts({ [OFF_MILK.code]: OFF_MILK, '3017620422003': { product_name: '' } }).start();
  client = new OpenFoodFactsClient({ baseUrl: off.baseUrl, timeoutMs: 300, userAgent: 'ExpireEye-test/1' });
});
after(() => off.stop());

test('a known product maps name, first brand, broad category and nutrients per 100 g in our units', async () => {
  off.fault = { kind: 'none' };
  const r = await client.product(OFF_MILK.code);
  assert.ok(r.found);
  const p = r.product;
  assert.deepEqual([p.name, p.brand, p.category], ['Whole Milk 3.5%', 'Alpenhof', 'Dairy']);
  assert.equal(p.nutrition?.energy_kcal, 64);
  assert.equal(p.nutrition?.calcium, 120, 'g → mg');
  assert.equal(p.nutrition?.sodium, 44);
  assert.ok(Math.abs(p.nutrition!.vitamin_a! - 46) < 1e-9, 'g → µg');
  assert.equal(p.nutrition?.iron, undefined, 'absent stays unknown, not 0');
  const req = off.requests.at(-1)!;
  assert.equal(req.headers['user-agent'], 'ExpireEye-test/1');
  assert.match(req.query.get('fields') ?? '', /nutriments/);
});

test('unknown barcodes, nameless products and non-GTIN codes are "not found"', async () => {
  off.fault = { kind: 'none' };
  assert.deepEqual(await client.product('0000000000000'), { found: false });
  assert.deepEqual(await client.product('3017620422003'), { found: false });
  const asked = off.requests.length;
  assert.deepEqual(await client.product('LOT-2026-A7'), { found: false });
  assert.equal(off.requests.length, asked, 'a Code 128 lot number is never sent');
});

const freshClient = () =>
  new OpenFoodFactsClient({ baseUrl: off.baseUrl, timeoutMs: 300, userAgent: 'ExpireEye-test/1' });

test('429 is a transient rate-limit failure carrying Retry-After', async () => {
  off.fault = { kind: 'status', status: 429, body: { status: 0 }, headers: { 'retry-after': '42' } };
  const e = await failure(freshClient().product(OFF_MILK.code));
  assert.deepEqual([e.kind, e.retryAfterMs, e.transient], ['rate_limited', 42_000, true]);
});

test('after a 429 nothing is asked until Retry-After has passed (bounded to an hour)', async () => {
  // The client's clock, moved on by the test: the pause is not waited out.
  let now = Date.now();
  const c = new OpenFoodFactsClient({
    baseUrl: off.baseUrl,
    timeoutMs: 300,
    userAgent: 'ExpireEye-test/1',
    now: () => now,
  });
  off.fault = { kind: 'status', status: 429, body: { status: 0 }, headers: { 'retry-after': '1' } };
  await failure(c.product(OFF_MILK.code));
  off.fault = { kind: 'none' };
  const asked = off.requests.length;
  const skipped = await failure(c.product(OFF_MILK.code));
  assert.ok(skipped instanceof ProviderBackingOff);
  assert.deepEqual([skipped.kind, skipped.transient], ['rate_limited', true]);
  now += 999;
  assert.ok((await failure(c.product(OFF_MILK.code))) instanceof ProviderBackingOff, 'a second is a second');
  assert.equal(off.requests.length, asked, 'not asked while backing off');
  now += 1;
  assert.ok((await c.product(OFF_MILK.code)).found, 'asked again once the pause is over');

  // An HTTP date a day ahead (or 10 days in seconds) is held to an hour.
  for (const retryAfter of [new Date(Date.now() + 86_400_000).toUTCString(), '864000']) {
    const d = freshClient();
    off.fault = { kind: 'status', status: 429, body: { status: 0 }, headers: { 'retry-after': retryAfter } };
    await failure(d.product(OFF_MILK.code));
    const e = await failure(d.product(OFF_MILK.code));
    assert.ok(
      e instanceof ProviderBackingOff && e.retryAfterMs! <= 3600_000,
      `${retryAfter}: ${e.retryAfterMs}`,
    );
  }
});

test('a run of server errors pauses the client; one error, or a success between, does not', async () => {
  const c = freshClient();
  off.fault = { kind: 'status', status: 500 };
  await failure(c.product(OFF_MILK.code));
  await failure(c.product(OFF_MILK.code));
  off.fault = { kind: 'none' };
  assert.ok((await c.product(OFF_MILK.code)).found, 'two errors then a success: still asked');
  off.fault = { kind: 'status', status: 502 };
  for (let i = 0; i < 3; i++) assert.equal((await failure(c.product(OFF_MILK.code))).kind, 'server_error');
  const asked = off.requests.length;
  off.fault = { kind: 'none' };
  const e = await failure(c.product(OFF_MILK.code));
  assert.ok(e instanceof ProviderBackingOff, e.message);
  assert.ok(e.retryAfterMs! > 20_000 && e.retryAfterMs! <= 30_000, String(e.retryAfterMs));
  assert.equal(off.requests.length, asked);
});

test('scans failing together in one outage pause the client once, not once each', async () => {
  const c = freshClient();
  off.fault = { kind: 'status', status: 502 };
  const errors = await Promise.all(Array.from({ length: 8 }, () => failure(c.product(OFF_MILK.code))));
  assert.ok(errors.every((e) => e.kind === 'server_error'));
  off.fault = { kind: 'none' };
  const e = await failure(c.product(OFF_MILK.code));
  assert.ok(e instanceof ProviderBackingOff, e.message);
  assert.ok(e.retryAfterMs! <= 30_000, `the first pause, not a doubled one: ${e.retryAfterMs} ms`);
});

// The fake answers ten minutes late: a client that waited for it would outlast the test's timeout.
test('a slow answer times out, a dropped connection is unreachable, 500 is a server error', {
  timeout: 30_000,
}, async () => {
  off.fault = { kind: 'delay', ms: 600_000 };
  const abandoned = off.abandoned;
  assert.equal((await failure(client.product(OFF_MILK.code))).kind, 'timeout');
  assert.ok(
    await eventually(() => off.abandoned === abandoned + 1),
    'the client hung up: its timeout is enforced',
  );
  off.fault = { kind: 'drop' };
  assert.equal((await failure(client.product(OFF_MILK.code))).kind, 'unreachable');
  off.fault = { kind: 'status', status: 502 };
  assert.equal((await failure(client.product(OFF_MILK.code))).kind, 'server_error');
});

test('an HTML maintenance page is a bad response, not a crash', async () => {
  off.fault = { kind: 'garbage' };
  const e = await failure(client.product(OFF_MILK.code));
  assert.deepEqual([e.kind, e.transient], ['bad_response', false]);
});

test('nutrients that cannot be right per 100 g are left out, not stored', () => {
  const n = mapNutriments({
    'energy-kcal_100g': 1200,
    'energy-kj_100g': 5000,
    proteins_100g: 101,
    fiber_100g: Number.POSITIVE_INFINITY,
    carbohydrates_100g: '1e400',
    'vitamin-a_100g': 150,
    sodium_100g: 0.4,
    calcium_100g: -1,
  });
  assert.deepEqual(n, { sodium: 400 });
  assert.equal(mapNutriments({ 'energy-kcal_100g': 1e300 }), undefined);
  // kJ only, plausible: converted.
  assert.equal(Math.round(mapNutriments({ 'energy-kj_100g': '418.4' })!.energy_kcal!), 100);
});
