import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { localDate } from '../../src/features/expiry/local-date.js';
import { migrateToHead } from '../support/app.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { insertItem, insertProduct, insertUser } from '../support/inventory-rows.js';
import { type Instance, startInstance } from '../support/sockets.js';

/**
 * "Today" is one calendar across the app: the inventory list and the statistics use APP_TIMEZONE,
 * as the sweep does. An item dated today in UTC−12 is still good there, and already a day (or two)
 * past in UTC+14 — whatever the hour the test runs at.
 */
describe('APP_TIMEZONE decides "today" for lists and statistics', () => {
  let scratch: ScratchDatabase;
  const servers: Instance[] = [];
  before(async () => {
    scratch = await scratchDatabase('sqlite');
    await migrateToHead(scratch);
  });
  after(async () => {
    for (const s of servers) await s.close();
    await scratch.drop();
  });

  test('the same item is active at UTC−12 and expired at UTC+14', async () => {
    const west = await startInstance(scratch, { APP_TIMEZONE: 'Etc/GMT+12', SWEEP_INTERVAL_SECONDS: '0' });
    const east = await startInstance(scratch, {
      APP_TIMEZONE: 'Pacific/Kiritimati',
      SWEEP_INTERVAL_SECONDS: '0',
    });
    servers.push(west, east);
    const alice = await insertUser(west.database, 'alice');
    const product = await insertProduct(west.database, 'Spinach');
    await insertItem(west.database, {
      userId: alice.id,
      productId: product,
      expiryDate: localDate(new Date(), 'Etc/GMT+12'),
    });
    const statusOn = async (server: Instance) => {
      const res = await fetch(`${server.baseUrl}/api/product/user/list`, {
        headers: { authorization: `Bearer ${server.app.tokens.sign(alice)}` },
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { products: { status: string }[] };
      return body.products.map((p) => p.status);
    };
    assert.deepEqual(await statusOn(west), ['active']);
    assert.deepEqual(await statusOn(east), ['expired']);

    // A date of birth of "today" where the server is: accepted at UTC+14, a future date at UTC−12
    // (whenever the test runs, Kiritimati's date is a day or two ahead of GMT+12's).
    const eastToday = localDate(new Date(), 'Pacific/Kiritimati');
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
