import { col, defineTable } from '../migrate/schema/index.js';

/**
 * One item in a user's inventory. A product still held by someone cannot be deleted from the
 * catalogue (RESTRICT); deleting the account deletes its inventory (CASCADE).
 */
export const userProducts = defineTable(
  'user_products',
  {
    id: col.string(36).primaryKey(),
    user_id: col.string(36).references('users.id', { onDelete: 'cascade' }),
    product_id: col.string(36).references('products.id', { onDelete: 'restrict' }),
    quantity: col.integer().default(1),
    expiry_date: col.date().nullable(),
    expiry_estimated: col.boolean().default(false),
    /** Where it is kept, when known: the shelf-life estimate depends on it. */
    storage: col.string(10).nullable().oneOf(['pantry', 'fridge', 'freezer']),
    notes: col.text().nullable(),
    status: col.string(20).oneOf(['active', 'expired', 'consumed', 'discarded']).default('active'),
    added_at: col.timestamp().default({ expr: 'current_timestamp' }),
    updated_at: col.timestamp().nullable(),
  },
  {
    indexes: [
      { name: 'idx_product_expiry', columns: ['expiry_date'] },
      { name: 'ix_user_products_user_id_added_at', columns: ['user_id', 'added_at'] },
      // The expiry sweep walks active items in (expiry_date, id) order, a chunk at a time.
      { name: 'ix_user_products_status_expiry_id', columns: ['status', 'expiry_date', 'id'] },
      // Whose inventory holds a product (changing or deleting it, RESTRICT on its deletion).
      // MySQL indexes a foreign key by itself; PostgreSQL and SQLite would scan the table.
      { name: 'ix_user_products_product_id', columns: ['product_id'] },
    ],
  },
);
