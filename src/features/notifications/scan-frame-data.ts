import type { AppDatabase } from '../../db/database.js';
import { INVENTORY_NUTRIENT_ORDER, NUTRIENTS, nutritionText } from '../catalogue/nutrition.js';
import { NotificationKind, type NotificationRow, type PublishedNotification } from './notification-events.js';

/**
 * Scan notifications read back from the database — a socket's backlog on connect, a catch-up
 * after a lost subscription — with the `data` their live push carried: the original's
 * `Product_Scanned` frame always has `data` (`name`, `quantity`, `notes`, `expiryDate`,
 * `nutrition`), and a front end that reads it must not get a frame without. The item's current
 * state is sent; an item deleted since leaves only its name. One query, whatever the number of
 * rows, and only the owner's own items are read.
 */
export async function withScanData(
  database: AppDatabase,
  rows: readonly NotificationRow[],
): Promise<PublishedNotification[]> {
  const scanned = rows.filter((r) => r.type === NotificationKind.scanned);
  if (scanned.length === 0) return [...rows];
  const ids = [...new Set(scanned.flatMap((r) => (r.user_product_id ? [r.user_product_id] : [])))];
  const items =
    ids.length === 0
      ? []
      : await database.db
          .selectFrom('user_products as up')
          .innerJoin('products as p', 'p.id', 'up.product_id')
          .leftJoin('nutrition as n', 'n.product_id', 'p.id')
          .select([
            'up.id as item_id',
            'up.user_id',
            'up.product_id',
            'p.name',
            'p.barcode',
            'p.nutrition_status',
            'up.quantity',
            'up.expiry_date',
            'up.expiry_estimated',
            'up.notes',
            'up.status',
          ])
          .select(NUTRIENTS.map((n) => `n.${n}` as const))
          .where('up.id', 'in', ids)
          .execute();
  const byId = new Map(items.map((i) => [i.item_id, i]));
  return rows.map((row) => {
    if (row.type !== NotificationKind.scanned) return row;
    const item = row.user_product_id ? byId.get(row.user_product_id) : undefined;
    if (!item || item.user_id !== row.user_id) return { ...row, data: { name: row.product_name } };
    return {
      ...row,
      data: {
        name: item.name,
        quantity: item.quantity,
        notes: item.notes,
        expiryDate: item.expiry_date,
        expiryEstimated: item.expiry_estimated,
        status: item.status,
        itemId: item.item_id,
        productId: item.product_id,
        barcode: item.barcode,
        nutrition: nutritionText(item, INVENTORY_NUTRIENT_ORDER),
        nutritionStatus: item.nutrition_status,
      },
    };
  });
}
