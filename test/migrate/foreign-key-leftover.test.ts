import assert from 'node:assert/strict';
import { test } from 'node:test';
import { correctReflected } from '../../src/migrate/autogenerate/dialect-rules.js';
import { autogenerate } from '../../src/migrate/commands/autogenerate.js';
import { check } from '../../src/migrate/commands/check.js';
import { upgrade } from '../../src/migrate/commands/upgrade.js';
import type { TableDef } from '../../src/migrate/index.js';
import { col, defineMetadata, defineTable } from '../../src/migrate/schema/index.js';
import { DIALECTS } from '../support/databases.js';
import { withScratchWorkspace } from '../support/engine.js';

/**
 * InnoDB's own index for a foreign key, left behind when the key is dropped, is not a difference
 * to report, also when the key's conventional name was too long and was cut and hashed; an index
 * under any other name is.
 */

for (const dialect of DIALECTS) {
  test(`${dialect}: a dropped foreign key with a hashed name leaves no index to drop`, () =>
    withScratchWorkspace(dialect, async (run) => {
      const products = defineTable('products', { id: col.integer().primaryKey() });
      const schema = (references: boolean) => {
        const fk = col.integer().nullable();
        return defineMetadata([
          products,
          defineTable('inventory_items_long_name', {
            id: col.integer().primaryKey(),
            product_reference_identifier: references
              ? fk.references('products.id', { onDelete: 'cascade' })
              : fk,
          }),
        ]).schema();
      };
      const v1 = schema(true);
      assert.equal(
        v1.tables.find((x) => x.name === 'inventory_items_long_name')!.foreignKeys![0]!.name,
        'fk_inventory_items_long_name_product_reference_iden_35999091',
      );
      await run(v1, (env) => autogenerate(env, { message: 'v1' }));
      await run(v1, (env) => upgrade(env, 'head'));
      const v2 = schema(false);
      await run(v2, (env) => autogenerate(env, { message: 'v2' }));
      await run(v2, (env) => upgrade(env, 'head'));
      assert.deepEqual(await run(v2, (env) => check(env)), []);
    }));
}

test("MariaDB: an index is a foreign key's leftover only under a name the convention gives the key", () => {
  const table = 'inventory_items_long_name';
  const index = (name: string, columns = ['product_reference_identifier']) => ({
    name,
    columns,
    unique: false,
  });
  const reflected: TableDef = {
    name: table,
    columns: [
      { name: 'id', type: 'integer', nullable: false },
      { name: 'product_reference_identifier', type: 'integer', nullable: true },
      { name: 'other', type: 'integer', nullable: true },
    ],
    indexes: [
      index('fk_inventory_items_long_name_product_reference_iden_35999091'),
      // Not the convention's: no hash, a hash too short, another column, a unique index.
      index('fk_inventory_items_long_name_product_reference_iden_x'),
      index('fk_inventory_items_long_name_product_reference_iden_3599909'),
      index('fk_inventory_items_long_name_product_reference_iden_35999091', ['other']),
      { ...index('fk_inventory_items_long_name_product_reference_iden_0123abcd'), unique: true },
    ],
  };
  const kept = correctReflected(reflected, undefined, 'mysql').indexes!.map((i) => `${i.name} ${i.columns}`);
  assert.deepEqual(kept, [
    'fk_inventory_items_long_name_product_reference_iden_x product_reference_identifier',
    'fk_inventory_items_long_name_product_reference_iden_3599909 product_reference_identifier',
    'fk_inventory_items_long_name_product_reference_iden_35999091 other',
    'fk_inventory_items_long_name_product_reference_iden_0123abcd product_reference_identifier',
  ]);
});
