// The FoodData Central client against a local fake speaking FDC's search JSON: the 13 nutrients with
// unit conversion, the per-food cache, and api.data.gov's key and rate-limit errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { convert, mapFoodNutrients, UsdaClient } from '../../src/integrations/usda/client.js';
import { type FakeService, fakeUsda, USDA_APPLE } from '../support/fake-services.js';
import { failure } from '../support/provider-failure.js';

let usda: FakeService;
const client = (key = 'test-key', timeoutMs = 300) =>
  new UsdaClient({ apiKey: key, baseUrl: usda.baseUrl, timeoutMs });

before(async () => {
  usda = await fakeUsda({ apple: USDA_APPLE }).start();
});
after(() => usda.stop());

test('a food maps to the 13 nutrients in our units, the key travels in a header', async () => {
  usda.fault = { kind: 'none' };
  const r = await client().food('Apple');
  assert.ok(r.found);
  assert.deepEqual(r.food.nutrition, {
    energy_kcal: 52,
    carbohydrate: 13.81,
    protein: 0.26,
    fiber: 2.4,
    total_sugars: 10.39,
    saturated_fat: 0.028,
    vitamin_a: 3,
    vitamin_c: 4.6,
    potassium: 107,
    iron: 0.12,
    calcium: 6,
    sodium: 1,
    cholesterol: 0,
  });
  const req = usda.requests.at(-1)!;
  assert.equal(req.headers['x-api-key'], 'test-key');
  assert.equal(req.query.get('api_key'), null, 'the key is not in the URL');
  assert.deepEqual((req.body as { query: string }).query, 'apple');
});

test('the second look-up of a food is served from the cache, misses included', async () => {
  usda.fault = { kind: 'none' };
  const c = client();
  await c.food('apple');
  await c.food('  APPLE ');
  assert.deepEqual(await c.food('unobtainium'), { found: false });
  assert.deepEqual(await c.food('Unobtainium'), { found: false });
  assert.equal(c.requests, 2);
});

test('units convert, and IU or kJ never pass for µg or g', () => {
  assert.equal(convert(1, 'G', 'mg'), 1000);
  assert.equal(convert(250, 'UG', 'ug'), 250);
  assert.ok(Math.abs(convert(418.4, 'kJ', 'kcal')! - 100) < 1e-9);
  assert.equal(convert(54, 'IU', 'ug'), undefined);
});

test('a wrong key is a permanent failure; 429 and timeouts are transient', async () => {
  usda.fault = { kind: 'none' };
  const bad = await failure(client('wrong').food('pear'));
  assert.deepEqual([bad.kind, bad.status, bad.transient], ['rejected', 403, false]);
  assert.match(bad.message, /API_KEY_INVALID/);
  usda.fault = {
    kind: 'status',
    status: 429,
    body: { error: { code: 'OVER_RATE_LIMIT', message: 'You have exceeded your rate limit.' } },
    headers: { 'retry-after': '3600' },
  };
  const limited = await failure(client().food('pear'));
  assert.deepEqual([limited.kind, limited.retryAfterMs], ['rate_limited', 3_600_000]);
  usda.fault = { kind: 'delay', ms: 1500 };
  assert.equal((await failure(client().food('pear'))).kind, 'timeout');
});

test('a key HTTP cannot carry is a permanent failure naming the header, without the key; nothing is sent', async () => {
  usda.fault = { kind: 'none' };
  const asked = usda.requests.length;
  for (const key of ['SEKRET\0KEY', 'SEKRET\nKEY', 'SEKRET\u20acKEY']) {
    const e = await failure(client(key).food('pear'));
    assert.deepEqual([e.kind, e.transient], ['bad_request', false], e.message);
    assert.match(e.message, /the x-api-key header's value is not one HTTP can carry/);
    assert.doesNotMatch(e.message, /SEKRET/);
  }
  assert.equal(usda.requests.length, asked);
});

test('an implausible value counts as absent; the next nutrient number is used instead', () => {
  const n = mapFoodNutrients([
    { nutrientId: 1008, nutrientNumber: '208', unitName: 'KCAL', value: 5000 },
    { nutrientId: 2047, nutrientNumber: '957', unitName: 'KCAL', value: 120 },
    { nutrientId: 1003, nutrientNumber: '203', unitName: 'G', value: 1e300 },
    { nutrientId: 1106, nutrientNumber: '320', unitName: 'G', value: 150 },
    { nutrientId: 1093, nutrientNumber: '307', unitName: 'MG', value: -3 },
    { nutrientId: 1087, nutrientNumber: '301', unitName: 'MG', value: 25 },
  ]);
  assert.deepEqual(n, { energy_kcal: 120, calcium: 25 });
});
