import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addDays } from '../../src/db/dates.js';
import { localDate } from '../../src/features/expiry/local-date.js';
import { migrateToHead } from '../support/app.js';
import { photograph, renderCode } from '../support/barcode-images.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { insertItem, insertProduct, insertUser } from '../support/inventory-rows.js';
import { MILK, upload } from '../support/scanning.js';
import { type Instance, startInstance } from '../support/sockets.js';

/**
 * "Today" is one calendar across the app: the inventory list, the statistics, the account export,
 * scans (their expired status and estimated expiry dates) and the date-of-birth check use
 * APP_TIMEZONE, as the sweep does. An item dated today in UTC−12 is still good there, and already a
 * day (or two) past in UTC+14 — whatever the hour the test runs at. A service that fell back to the
 * UTC date would answer the same on both servers, so every pair of checks below would catch it.
 */
describe('APP_TIMEZONE decides "today" for lists, statistics, the export and scans', () => {
  const WEST = 'Etc/GMT+12';
  const EAST = 'Pacific/Kiritimati';
  let scratch: ScratchDatabase;
  let west: Instance;
  let east: Instance;
  let alice: { id: string; email: string };
  let westToday: string;
  const servers: Instance[] = [];
  before(async () => {
    scratch = await scratchDatabase('sqlite');
    await migrateToHead(scratch);
    const env = { SWEEP_INTERVAL_SECONDS: '0', SCAN_DECODE_THREADS: '1' };
    west = await startInstance(scratch, { ...env, APP_TIMEZONE: WEST });
    east = await startInstance(scratch, { ...env, APP_TIMEZONE: EAST });
    servers.push(west, east);
    alice = await insertUser(west.database, 'alice');
    westToday = localDate(new Date(), WEST);
    const spinach = await insertProduct(west.database, 'Spinach', { category: 'Vegetables' });
    await insertItem(west.database, { userId: alice.id, productId: spinach, expiryDate: westToday });
  });
  after(async () => {
    for (const s of servers) await s.close();
    await scratch.drop();
  });

  const get = async (server: Instance, path: string, user = alice) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${server.app.tokens.sign(user)}` },
    });
    assert.equal(res.status, 200, path);
    return (await res.json()) as any;
  };

  test('the same item is active at UTC−12 and expired at UTC+14', async () => {
    const statusOn = async (server: Instance) =>
      (await get(server, '/api/product/user/list')).products.map((p: { status: string }) => p.status);
    assert.deepEqual(await statusOn(west), ['active']);
    assert.deepEqual(await statusOn(east), ['expired']);

    // A date of birth of "today" where the server is: accepted at UTC+14, a future date at UTC−12
    // (whenever the test runs, Kiritimati's date is a day or two ahead of GMT+12's).
    const eastToday = localDate(new Date(), EAST);
    const signup = (server: Instance, name: string) =>
      fetch(`${server.baseUrl}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name,
          email: `${name}.${process.pid}@example.com`,
          password: 'secret-pw',
          dob: eastToday,
        }),
      });
    assert.equal((await signup(east, 'born-east')).status, 200);
    assert.equal((await signup(west, 'born-west')).status, 422);
  });

  test('every statistic counts the item as good at UTC−12 and as wasted at UTC+14', async () => {
    assert.deepEqual(await get(west, '/api/stats/expired-products'), []);
    assert.deepEqual(await get(east, '/api/stats/expired-products'), [
      { date: westToday, expired_count: 1, expired_quantity: 1 },
    ]);

    const counts = (rows: { status: string; count: number }[]) =>
      Object.fromEntries(rows.map((r) => [r.status, r.count]));
    assert.deepEqual(counts(await get(west, '/api/stats/wasted-vs-eaten')), {
      wasted: 0,
      active: 1,
      consumed: 0,
    });
    assert.deepEqual(counts(await get(east, '/api/stats/wasted-vs-eaten')), {
      wasted: 1,
      active: 0,
      consumed: 0,
    });

    assert.deepEqual(await get(west, '/api/stats/wastage-category'), []);
    assert.deepEqual(await get(east, '/api/stats/wastage-category'), [
      { category: 'Vegetables', percentage: 100, count: 1 },
    ]);

    // The trends window (today ± days) holds the item on both servers; only UTC+14 counts it wasted.
    assert.deepEqual(await get(west, '/api/stats/expiry-trends?days=1'), [
      { date: westToday, expiring: 1, consumed: 0, wasted: 0, wasted_cost: 0 },
    ]);
    const eastTrends = await get(east, '/api/stats/expiry-trends?days=2');
    assert.deepEqual(eastTrends, [{ date: westToday, expiring: 1, consumed: 0, wasted: 1, wasted_cost: 1 }]);
  });

  test('the export shows the item as each server’s list does', async () => {
    const statusIn = async (server: Instance) =>
      (await get(server, '/api/user/export')).inventory.map((i: { status: string }) => i.status);
    assert.deepEqual(await statusIn(west), ['active']);
    assert.deepEqual(await statusIn(east), ['expired']);
    // Its file is named for that server's day (it was UTC's).
    for (const [server, zone] of [
      [west, WEST],
      [east, EAST],
    ] as const) {
      const res = await fetch(`${server.baseUrl}/api/user/export`, {
        headers: { authorization: `Bearer ${server.app.tokens.sign(alice)}` },
      });
      await res.arrayBuffer();
      assert.equal(
        res.headers.get('content-disposition'),
        `attachment; filename="expireeye-export-${localDate(new Date(), zone)}.json"`,
      );
    }
  });

  test('an expiry date-time with an offset is the day of that instant in APP_TIMEZONE; without one, its day as written', async () => {
    const carol = await insertUser(west.database, 'carol');
    const JUICE = '5901234123457';
    await insertProduct(west.database, 'Carrot juice', { category: 'Drinks', barcode: JUICE });
    const send = async (server: Instance, method: string, path: string, body: unknown) => {
      const res = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${server.app.tokens.sign(carol)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as any;
      assert.equal(res.status, 200, JSON.stringify(json));
      return json;
    };
    // Noon UTC on 15 June is still the 15th at UTC−12 and already the 16th at UTC+14.
    const instant = '2030-06-15T12:00:00.000Z';
    const days = async (server: Instance) => {
      const added = await send(server, 'POST', '/api/product/user/add', {
        name: 'Yoghurt',
        expiryDate: instant,
      });
      const naive = await send(server, 'POST', '/api/product/user/add', {
        name: 'Yoghurt',
        expiryDate: '2030-06-15T23:30:00',
      });
      const moved = await send(server, 'PUT', `/api/product/user/update/${naive.itemId}`, {
        expiryDate: '2030-06-20T23:00:00-01:00',
      });
      const mass = await send(server, 'POST', '/api/product/user/add-mass', {
        products: [{ productName: 'Yoghurt', quantity: 1, expiryDate: instant }],
      });
      const photo = await photograph(await renderCode('ean13', JUICE));
      const scan = await upload(server.baseUrl, '/api/scan', server.app.tokens.sign(carol), photo, {
        addToInventory: 'true',
        expiryDate: instant,
      });
      assert.equal(scan.status, 200, JSON.stringify(scan.body));
      return [
        added.expiryDate,
        naive.expiryDate,
        moved.expiryDate,
        mass.success[0].expiryDate,
        scan.body.item.expiryDate,
      ];
    };
    // 23:00 at UTC−1 on the 20th is midnight UTC of the 21st: the 20th at UTC−12, the 21st at UTC+14.
    assert.deepEqual(await days(west), [
      '2030-06-15',
      '2030-06-15',
      '2030-06-20',
      '2030-06-15',
      '2030-06-15',
    ]);
    assert.deepEqual(await days(east), [
      '2030-06-16',
      '2030-06-15',
      '2030-06-21',
      '2030-06-16',
      '2030-06-16',
    ]);
  });

  test('a scan finds the held item expired, and estimates expiry from, the server’s today', async () => {
    const milk = await insertProduct(west.database, 'Whole Milk', { category: 'Dairy', barcode: MILK });
    const bob = await insertUser(west.database, 'bob');
    await insertItem(west.database, { userId: bob.id, productId: milk, expiryDate: westToday });
    const photo = await photograph(await renderCode('ean13', MILK));
    const scanOn = async (server: Instance) => {
      const r = await upload(server.baseUrl, '/api/scan', server.app.tokens.sign(bob), photo, {
        addToInventory: 'true',
        storage: 'fridge',
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    const w = await scanOn(west);
    const e = await scanOn(east);
    assert.equal(w.status, 'scanned', 'bob’s milk is still good at UTC−12');
    assert.equal(e.status, 'expired', 'bob’s milk is past its date at UTC+14');
    // Milk keeps 7 days in the fridge, counted from the server's today.
    assert.deepEqual([w.item.expiryDate, w.item.expiryEstimated], [addDays(westToday, 7), true]);
    assert.deepEqual(
      [e.item.expiryDate, e.item.expiryEstimated],
      [addDays(localDate(new Date(), EAST), 7), true],
    );
  });
});

describe('localDate', () => {
  test('turns over at local midnight, to the millisecond, with the per-second memo in place', () => {
    const zone = 'America/New_York';
    const before = new Date('2026-01-01T04:59:59.999Z');
    const after = new Date('2026-01-01T05:00:00.000Z');
    // Asked twice within the same second (the memo answers the second time), then past midnight.
    assert.equal(localDate(before, zone), '2025-12-31');
    assert.equal(localDate(new Date('2026-01-01T04:59:59.000Z'), zone), '2025-12-31');
    assert.equal(localDate(after, zone), '2026-01-01');
    // Going back in time is answered afresh too, and each zone keeps its own memo.
    assert.equal(localDate(before, zone), '2025-12-31');
    assert.equal(localDate(before, 'Asia/Tokyo'), '2026-01-01');
    assert.equal(localDate(before, zone), '2025-12-31');
  });
});
