import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { iso } from '../../src/db/dates.js';

describe('iso', () => {
  test('writes what toISOString writes, for any date', () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (d) => assert.equal(iso(d), d.toISOString())),
      { numRuns: 20_000 },
    );
    for (const d of [new Date(Date.UTC(999, 11, 31, 23, 59, 59, 999)), new Date(Date.UTC(10000, 0, 1))]) {
      assert.equal(iso(d), d.toISOString());
    }
    assert.equal(iso(null), null);
    assert.equal(iso(undefined), null);
    assert.throws(() => iso(new Date(Number.NaN)), RangeError);
  });
});
