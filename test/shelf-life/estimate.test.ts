// Shelf-life estimates: by food, by category, per storage; the inventory's adapter keeps its answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateExpiry, shelfLifeDays } from '../../src/features/inventory/shelf-life.js';
import { estimateShelfLife } from '../../src/features/shelf-life/estimate.js';
import { FOODS, GROUPS, STORAGES } from '../../src/features/shelf-life/table.js';

const FROM = '2026-11-25';

test('a food is found by name, plural or last word, in its usual storage', () => {
  assert.deepEqual(estimateShelfLife({ name: 'Milk', from: FROM }), {
    expiryDate: '2026-12-02',
    estimated: true,
    storage: 'fridge',
    days: 7,
    group: 'dairy',
    basis: 'product',
  });
  assert.equal(estimateShelfLife({ name: 'Tomatoes', from: FROM })?.days, 7);
  assert.equal(estimateShelfLife({ name: 'Green Apples', from: FROM })?.days, 10);
  assert.equal(estimateShelfLife({ name: 'Chicken breast', from: FROM })?.group, 'meat');
});

test('the storage asked for changes the estimate; one the table lacks falls back to the usual one', () => {
  assert.equal(
    estimateShelfLife({ name: 'Bread', storage: 'freezer', from: FROM })?.expiryDate,
    '2027-02-23',
  );
  const milkInPantry = estimateShelfLife({ name: 'Milk', storage: 'pantry', from: FROM });
  assert.deepEqual([milkInPantry?.storage, milkInPantry?.days], ['fridge', 7]);
});

test('unknown foods fall back to their category, else there is no estimate', () => {
  const e = estimateShelfLife({ name: 'Gouda Reserve', category: 'Dairy', from: FROM });
  assert.deepEqual([e?.basis, e?.days], ['category', 7]);
  assert.equal(estimateShelfLife({ name: 'Mystery Tin', from: FROM }), undefined);
});

test('every entry is usable: a known group and a figure for its usual storage', () => {
  for (const [name, e] of Object.entries(FOODS)) {
    assert.ok(GROUPS.includes(e.group), name);
    assert.ok(STORAGES.includes(e.default), name);
    assert.ok((e.days[e.default] ?? 0) > 0, `${name} has days for ${e.default}`);
  }
  for (const g of ['produce', 'dairy', 'meat', 'bakery', 'pantry'] as const) {
    assert.ok(
      Object.values(FOODS).some((e) => e.group === g),
      `covers ${g}`,
    );
  }
});

test('the inventory adapter answers as before (usual-storage days)', () => {
  assert.deepEqual(shelfLifeDays('banana'), { days: 5, basis: 'product' });
  assert.deepEqual(shelfLifeDays('Widget', 'Frozen'), { days: 90, basis: 'category' });
  assert.equal(estimateExpiry('onion', null, FROM), '2026-12-25');
  assert.equal(estimateExpiry('Widget', null, FROM), undefined);
});
