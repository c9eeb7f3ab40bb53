// The login guard's in-memory store is bounded; what an attacker can fill must not push out what
// protects an account (its failure count, its owner's known clients).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryFailureCounter } from '../../src/features/auth/failure-counter.js';
import { LoginGuard } from '../../src/features/auth/login-guard.js';

async function status(p: Promise<() => void>): Promise<number> {
  try {
    (await p)();
    return 200;
  } catch (e) {
    return (e as { statusCode?: number }).statusCode ?? 500;
  }
}

test('a flood of failures for made-up e-mails from many addresses neither lifts the per-account cap nor forgets the owner’s device', async () => {
  const guard = new LoginGuard(
    { maxFailures: 5, windowSeconds: 900, maxPerAccount: 3 },
    new MemoryFailureCounter(100),
  );
  const victim = 'victim@example.com';
  await guard.succeed('203.0.113.7', victim);
  for (let i = 1; i <= 3; i++) await guard.fail(`198.51.100.${i}`, victim, true);
  assert.equal(await status(guard.check('198.51.100.9', victim)), 429);
  // 2,000 failures, each from another /64, for e-mails that are no account: far more keys than
  // the per-address store holds.
  for (let i = 0; i < 2000; i++)
    await guard.fail(`2001:db8:${i.toString(16)}::1`, `junk${i}@example.com`, false);
  assert.equal(await status(guard.check('198.51.100.9', victim)), 429, 'still capped');
  assert.equal(await status(guard.check('203.0.113.7', victim)), 200, "the owner's device still known");
});

test('attempts under way count: of a burst of checks for one address and e-mail, only the limit pass until they are settled', async () => {
  const guard = new LoginGuard({ maxFailures: 5, windowSeconds: 900, maxPerAccount: 50 });
  const outcomes = await Promise.allSettled(
    Array.from({ length: 29 }, () => guard.check('198.51.100.20', 'burst@example.com')),
  );
  const passed = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  assert.equal(passed.length, 5, 'five places, the rest 429 before any password is checked');
  // Each fails: the failures are recorded before the places are given back, so none opens.
  for (const release of passed) {
    await guard.fail('198.51.100.20', 'burst@example.com', true);
    release();
  }
  assert.equal(await status(guard.check('198.51.100.20', 'burst@example.com')), 429);
  // A success gives its place back without a failure: the next attempt passes.
  const other = await guard.check('198.51.100.21', 'ok@example.com');
  await guard.succeed('198.51.100.21', 'ok@example.com');
  other();
  other(); // a second release changes nothing
  for (let i = 0; i < 5; i++) (await guard.check('198.51.100.21', 'ok@example.com'))();
});
