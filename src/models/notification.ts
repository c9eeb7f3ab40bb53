import { col, defineTable } from '../migrate/schema/index.js';

/**
 * A message to one user. `user_product_id` + `type` + `expiry_date` is unique, so the expiry sweep
 * creates at most one notification of each kind per item and expiry date however often and on
 * however many servers it runs; an item given a new date can be warned again for that date.
 */
export const notifications = defineTable(
  'notifications',
  {
    id: col.string(36).primaryKey(),
    user_id: col.string(36).references('users.id', { onDelete: 'cascade' }),
    user_product_id: col.string(36).nullable().references('user_products.id', { onDelete: 'set null' }),
    type: col.string(32),
    message: col.text(),
    product_name: col.string(255).nullable(),
    /** The item's expiry date the notification is about (expiry kinds); null for the others. */
    expiry_date: col.date().nullable(),
    is_read: col.boolean().default(false),
    created_at: col.timestamp().default({ expr: 'current_timestamp' }),
  },
  {
    uniques: [
      { name: 'uq_notifications_item_type_date', columns: ['user_product_id', 'type', 'expiry_date'] },
    ],
    indexes: [{ name: 'ix_notifications_user_id_created_at', columns: ['user_id', 'created_at'] }],
  },
);
