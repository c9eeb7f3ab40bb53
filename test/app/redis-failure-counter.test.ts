// The places that login attempts under way take in Redis (RedisFailureCounter.reserve), against a
// real Redis: each lapses on its own, counted from when it was taken, so those of a process that
// died holding them (or could not give them back) cannot lock an account for as long as others
// keep signing in to it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SharedRedis } from '../../src/app/shared-redis.js';
import type { Reservation } from '../../src/features/auth/failure-counter.js';
import { RedisFailureCounter } from '../../src/features/auth/redis-failure-counter.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asserts the reservation was granted; returns its release. */
function granted(r: Reservation, why: string): () => void {
  assert.ok('release' in r, `${why}: refused (${JSON.stringify(r)})`);
  return r.release;
}

describe('login attempts under way, counted in Redis', () => {
  let shared: SharedRedis;
  const prefix = `expireeye-test-${randomBytes(6).toString('hex')}:`;
  const quiet = { warn: () => undefined };
  before(async () => {
    shared = await SharedRedis.connect({ url: REDIS_URL, keyPrefix: prefix }, quiet);
  });
  after(async () => {
    const keys = await shared.client.keys(`${prefix}*`);
    if (keys.length) await shared.client.del(...keys);
    await shared.close();
  });

  test('the places a dead process left lapse on their own, however busy the key meanwhile', async () => {
    const ttl = 400;
    // Two processes sharing one Redis: `dead` takes two places and never gives them back.
    const dead = new RedisFailureCounter(shared, quiet, ttl);
    const alive = new RedisFailureCounter(shared, quiet, ttl);
    const limits = [{ key: 'e|198.51.100.1|owner@example.com', max: 3 }];
    granted(await dead.reserve(limits, Date.now()), 'first left behind');
    granted(await dead.reserve(limits, Date.now()), 'second left behind');
    // The owner signs in now and then (each attempt takes a place and gives it back): the places
    // left behind must not live on through these.
    const until = Date.now() + 2.5 * ttl;
    while (Date.now() < until) {
      granted(await alive.reserve(limits, Date.now()), 'one attempt beside the two left behind')();
      await sleep(ttl / 8);
    }
    // Both left-behind places have lapsed: three attempts can be under way at once.
    const held = [];
    for (let i = 0; i < 3; i++)
      held.push(granted(await alive.reserve(limits, Date.now()), `attempt ${i + 1}`));
    const fourth = await alive.reserve(limits, Date.now());
    assert.deepEqual(
      fourth,
      { refusedUntil: undefined },
      'full of attempts under way: no window to wait for',
    );
    for (const release of held) release();
  });

  test('a key full of failures is refused until its window ends; places given back leave no key', async () => {
    const counter = new RedisFailureCounter(shared, quiet);
    const key = 'e|198.51.100.2|typo@example.com';
    const now = Date.now();
    await counter.add([key, key], 900_000, now);
    const refused = await counter.reserve([{ key, max: 2 }], now);
    assert.ok('refusedUntil' in refused && refused.refusedUntil !== undefined, JSON.stringify(refused));
    assert.ok(refused.refusedUntil! - now > 890_000 && refused.refusedUntil! - now <= 900_000);

    const other = 'e|198.51.100.3|fine@example.com';
    granted(await counter.reserve([{ key: other, max: 2 }], Date.now()), 'a key with room')();
    // The release is sent without waiting: the place is gone once Redis has it.
    for (let i = 0; i < 50 && (await shared.client.exists(`${prefix}login-pending:${other}`)); i++)
      await sleep(20);
    assert.equal(await shared.client.exists(`${prefix}login-pending:${other}`), 0);
  });
});
