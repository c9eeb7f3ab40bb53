// What Open Food Facts sends is data to check, not to trust: on every database, implausible
// nutrients are dropped, a row the database refuses never makes a 500, and awkward names still
// give a product. Adds by `?barcode=` use the same look-up as image scans, without the decoding.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newUser, type TestServer, type TestUser } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';
import { type FakeService, fakeOpenFoodFacts } from '../support/fake-services.js';
import { scanConfig, startScanServer } from '../support/scanning.js';

const BAD_NUTRIENTS = '5000000000001';
const NUL_BRAND = '5000000000002';
const LONG = ['5000000000011', '5000000000012', '5000000000013', '5000000000014', '5000000000015'];
const SHORT_NAME = '5000000000021';
// Text-direction overrides and isolates, which the catalogue refuses in a name.
const DIRECTION = ['5000000000031', '5000000000032'];
const OVERRIDDEN = 'Milk \u202Eklim\u202C drink';
// One character whose NFKC (the name key) is 18: 40 of them are a 720-character key, over name_key's 300.
const WIDE = ['5000000000041', '5000000000042'];
const LIGATURE = '\uFDFA';
// Every name the provider's could become is added by users first (names they may choose).
const SQUATTED = '5000000000051';
const SQUATTED_NAME = `Test Milk ${SQUATTED}`;
// 300 characters whose 255th is a space, then emoji (two UTF-16 units each).
const LONG_NAME = `${'Dark Chocolate Bar '.repeat(14).slice(0, 254)} ${'🍫'.repeat(45)}`;

for (const dialect of DIALECTS) {
  describe(`Open Food Facts data on ${dialect}`, () => {
    let server: TestServer;
    let user: TestUser;
    let off: FakeService;
    const products: Record<string, Record<string, unknown>> = {
      [BAD_NUTRIENTS]: {
        product_name: 'Carrot Puree',
        categories_tags: ['en:vegetables'],
        // Vitamin A in µg where OFF wants g (1.5e8 µg), a 1e300 typo, a negative, a word.
        nutriments: {
          'energy-kcal_100g': 40,
          'vitamin-a_100g': 150,
          proteins_100g: 1e300,
          fiber_100g: -2,
          sugars_100g: 'lots',
          calcium_100g: '0.033',
        },
      },
      // PostgreSQL refuses NUL in text: cleaned before it reaches the database.
      [NUL_BRAND]: { product_name: 'Odd Biscuits', brands: 'Bad\u0000Brand' },
      [LONG[0]!]: { product_name: LONG_NAME, brands: 'Acme' },
      [LONG[1]!]: { product_name: LONG_NAME, brands: 'Acme' },
      [LONG[2]!]: { product_name: LONG_NAME },
      [LONG[3]!]: { product_name: LONG_NAME, brands: 'Acme' },
      [LONG[4]!]: { product_name: '🍫'.repeat(300) },
      // Two visible characters, padded with zero-width spaces: not a catalogue name.
      [SHORT_NAME]: { product_name: '\u200b\u200bXO\u200b' },
      [DIRECTION[0]!]: { product_name: OVERRIDDEN },
      [DIRECTION[1]!]: { product_name: OVERRIDDEN, brands: 'Dairy\u2067 Co\u2069' },
      [WIDE[0]!]: { product_name: LIGATURE.repeat(40) },
      // Its brand alone is over the key's length: that candidate is left out, not cut to nothing.
      [WIDE[1]!]: { product_name: LIGATURE.repeat(40), brands: LIGATURE.repeat(60) },
      [SQUATTED]: { product_name: SQUATTED_NAME, brands: 'Alpenhof' },
    };
    before(async () => {
      off = await fakeOpenFoodFacts(products).start();
      const base = scanConfig();
      server = await startScanServer(dialect, {
        config: {
          ...base,
          openFoodFacts: { ...base.openFoodFacts, enabled: true, baseUrl: off.baseUrl, timeoutMs: 2000 },
        },
      });
      user = await newUser(server, 'offdata');
    });
    after(async () => {
      await server?.close();
      await off?.stop();
    });

    const nutrition = (barcode: string) =>
      server.database.db
        .selectFrom('nutrition')
        .innerJoin('products', 'products.id', 'nutrition.product_id')
        .select(['energy_kcal', 'vitamin_a', 'protein', 'fiber', 'total_sugars', 'calcium'])
        .where('products.barcode', '=', barcode)
        .executeTakeFirst();

    test('implausible nutrients are left out, the plausible ones kept', async () => {
      const r = await user.api.post(`/api/product/user/add?barcode=${BAD_NUTRIENTS}`, {});
      assert.equal(r.status, 200, r.text);
      const row = await nutrition(BAD_NUTRIENTS);
      assert.ok(row, 'a nutrition row was written');
      assert.deepEqual([row.vitamin_a, row.protein, row.fiber, row.total_sugars], [null, null, null, null]);
      assert.equal(Number(row.energy_kcal), 40);
      assert.equal(Number(row.calcium), 33);
      const asked = off.requests.length;
      assert.equal((await user.api.post(`/api/product/user/add?barcode=${BAD_NUTRIENTS}`, {})).status, 200);
      assert.equal(off.requests.length, asked, 'cached in the catalogue');
    });

    test('control characters in provider text are cleaned: a NUL (PostgreSQL cannot store one) is a space', async () => {
      const r = await user.api.post(`/api/product/user/add?barcode=${NUL_BRAND}`, {});
      assert.equal(r.status, 200, r.text);
      const row = await server.database.db
        .selectFrom('products')
        .select(['name', 'brand'])
        .where('barcode', '=', NUL_BRAND)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { name: 'Odd Biscuits', brand: 'Bad Brand' });
    });

    test('long names still give distinct catalogue names within the column, each saved once', async () => {
      const names: string[] = [];
      for (const code of LONG) {
        const r = await user.api.post(`/api/product/user/add?barcode=${code}`, {});
        assert.equal(r.status, 200, `${code}: ${r.text}`);
        names.push(r.body.name);
      }
      assert.equal(new Set(names.map((n) => n.toLowerCase())).size, LONG.length, names.join('\n'));
      for (const n of names) {
        assert.ok([...n].length <= 255, `${[...n].length} characters`);
        assert.equal(n, n.trim(), 'no white space at either end');
        assert.doesNotMatch(n, /\uFFFD|\p{Cs}/u, 'no half emoji');
      }
      assert.equal(names[0], LONG_NAME.slice(0, 254), 'cut, then trimmed');
      assert.ok(names[1]!.endsWith(' (Acme)'));
      assert.ok(names[2]!.endsWith(` (${LONG[2]})`));
      assert.ok(names[3]!.endsWith(` (${LONG[3]})`));
      assert.equal(names[4], '🍫'.repeat(255), 'cut by characters, not UTF-16 units');
      const asked = off.requests.length;
      for (const code of LONG)
        assert.equal((await user.api.post(`/api/product/user/add?barcode=${code}`, {})).status, 200);
      assert.equal(off.requests.length, asked, 'all four are in the catalogue');
    });

    test('a name the catalogue would refuse becomes the barcode', async () => {
      const r = await user.api.post(`/api/product/user/add?barcode=${SHORT_NAME}`, {});
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.name, SHORT_NAME);
    });

    /** Adds `barcode` twice: saved the first time, from the catalogue (OFF not asked) the second. */
    const addedOnce = async (barcode: string) => {
      const r = await user.api.post(`/api/product/user/add?barcode=${barcode}`, {});
      assert.equal(r.status, 200, `${barcode}: ${r.text}`);
      const asked = off.requests.length;
      const again = await user.api.post(`/api/product/user/add?barcode=${barcode}`, {});
      assert.equal(again.status, 200, again.text);
      assert.equal(off.requests.length, asked, `${barcode} is in the catalogue`);
      return r.body.name as string;
    };

    test("direction overrides in a provider's name are dropped, as in its brand appended to it", async () => {
      assert.equal(await addedOnce(DIRECTION[0]!), 'Milk klim drink');
      assert.equal(await addedOnce(DIRECTION[1]!), 'Milk klim drink (Dairy Co)');
      // The same name from a user is a 422: the provider's no longer passes where a user's cannot.
      const r = await user.api.post('/api/product/inventory/add', {
        productName: OVERRIDDEN,
        category: 'Dairy',
      });
      assert.equal(r.status, 422, r.text);
      const stored = await server.database.db
        .selectFrom('products')
        .select(['name', 'brand'])
        .where('barcode', 'in', DIRECTION)
        .orderBy('barcode')
        .execute();
      assert.deepEqual(
        stored.map((p) => p.brand),
        [null, 'Dairy Co'],
        'the brand, shown beside the name, cleaned alike',
      );
      for (const { name } of stored) assert.doesNotMatch(name, /[\u202A-\u202E\u2066-\u2069]/u);
    });

    test('a name whose key would be too long is cut until the key fits, on every database', async () => {
      assert.equal(await addedOnce(WIDE[0]!), LIGATURE.repeat(16), '16 × 18 = 288 key characters');
      // Its name taken, its brand too long to append: the barcode is appended to a shorter cut.
      assert.equal(await addedOnce(WIDE[1]!), `${LIGATURE.repeat(15)} (${WIDE[1]})`);
      const keys = await server.database.db
        .selectFrom('products')
        .select('name_key')
        .where('barcode', 'in', WIDE)
        .execute();
      for (const { name_key } of keys) assert.ok([...name_key].length <= 300, `${[...name_key].length}`);
    });

    test('when users hold every name the product could take, it is numbered, saved and found', async () => {
      const squatter = await newUser(server, 'squatter');
      for (const suffix of ['', ' (Alpenhof)', ` (${SQUATTED})`, ` (${SQUATTED} #2)`]) {
        const productName = `${SQUATTED_NAME}${suffix}`;
        const r = await squatter.api.post('/api/product/inventory/add', { productName, category: 'Dairy' });
        assert.equal(r.status, 200, `${productName}: ${r.text}`);
      }
      assert.equal(await addedOnce(SQUATTED), `${SQUATTED_NAME} (${SQUATTED} #3)`);
    });
  });
}
