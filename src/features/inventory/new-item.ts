import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../models/index.js';
import { type NotificationRow, scanNotification } from '../notifications/notification-events.js';
import type { Storage } from '../shelf-life/table.js';

export interface NewItem {
  userId: string;
  productId: string;
  productName: string;
  quantity: number;
  expiryDate: string | null;
  expiryEstimated: boolean;
  storage?: Storage | null;
  notes: string | null;
  /** A scanned item also gets the original's "Product Scanned successfully" notification. */
  scanned: boolean;
  now: Date;
}

/**
 * Writes one new active item of a user's inventory, and its scan notification, in the caller's
 * transaction: the one way items are added, by the inventory routes and by scans alike. The
 * notification is returned so that it can be pushed once the transaction has committed.
 */
export async function insertNewItem(
  tx: Kysely<Database>,
  item: NewItem,
): Promise<{ itemId: string; notification: NotificationRow | undefined }> {
  const itemId = randomUUID();
  await tx
    .insertInto('user_products')
    .values({
      id: itemId,
      user_id: item.userId,
      product_id: item.productId,
      quantity: item.quantity,
      expiry_date: item.expiryDate,
      expiry_estimated: item.expiryEstimated,
      storage: item.storage ?? null,
      notes: item.notes,
      status: 'active',
      added_at: item.now,
      updated_at: item.now,
    })
    .execute();
  const notification = item.scanned
    ? scanNotification(item.userId, itemId, item.productName, item.now)
    : undefined;
  if (notification) await tx.insertInto('notifications').values(notification).execute();
  return { itemId, notification };
}
