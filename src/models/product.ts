import { col, defineTable } from '../migrate/schema/index.js';

/**
 * The shared product catalogue. `created_by` records who added an entry: only they may change or
 * delete it (the original let anyone). Deleting the account keeps the product for others.
 */
export const products = defineTable(
  'products',
  {
    id: col.string(36).primaryKey(),
    name: col.string(255),
    category: col.string(100).default('Uncategorized'),
    barcode: col.string(64).nullable().unique(),
    nutrition_status: col.string(20).oneOf(['unknown', 'pending', 'found', 'not_found']).default('unknown'),
    created_by: col.string(36).nullable().references('users.id', { onDelete: 'set null' }),
    created_at: col.timestamp().default({ expr: 'current_timestamp' }),
    updated_at: col.timestamp().nullable(),
  },
  { indexes: [{ name: 'ix_products_name', columns: ['name'] }] },
);
