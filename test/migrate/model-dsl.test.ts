import assert from 'node:assert/strict';
import { test } from 'node:test';
import { col, defineTable } from '../../src/migrate/index.js';

/**
 * A foreign key that sets its column to NULL on a column that may not hold one contradicts itself:
 * MariaDB refuses the key at upgrade, SQLite and PostgreSQL fail the delete that fires it. The
 * model is refused where it is declared.
 */
test('a SET NULL foreign key on a NOT NULL column is refused', () => {
  assert.throws(
    () =>
      defineTable('c', {
        id: col.integer().primaryKey(),
        p_id: col.integer().references('p.id', { onDelete: 'set null' }),
      }),
    /Model 'c': column 'p_id' is NOT NULL, but its foreign key sets it to NULL \(ON DELETE SET NULL\)/,
  );
  assert.throws(
    () =>
      defineTable('c', {
        id: col.integer().primaryKey(),
        p_id: col.integer().references('p.id', { onDelete: 'cascade', onUpdate: 'set null' }),
      }),
    /\(ON UPDATE SET NULL\)/,
  );
  const ok = defineTable('c', {
    id: col.integer().primaryKey(),
    p_id: col.integer().nullable().references('p.id', { onDelete: 'set null' }),
    q_id: col.integer().references('p.id', { onDelete: 'cascade' }),
  });
  assert.equal(ok.table.foreignKeys?.length, 2);
});
