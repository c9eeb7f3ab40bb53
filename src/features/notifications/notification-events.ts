import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AppDatabase } from '../../db/database.js';
import type { Database } from '../../models/index.js';

/** A stored notification, as the sweep and the API create it and as it is pushed to sockets. */
export type NotificationRow = Selectable<Database['notifications']>;

/**
 * A notification to push: the stored row, plus optional `data` for the socket frame only (a scan
 * sends the item and its nutrition, as the original's `Product_Scanned` frame did).
 */
export type PublishedNotification = NotificationRow & { data?: Record<string, unknown> };

/**
 * The stored `type` of each kind. Expired is `warning` and a scan is `info`, as in the original,
 * so its front end keeps rendering them; "expiring soon" is new.
 */
export const NotificationKind = {
  scanned: 'info',
  expired: 'warning',
  expiringSoon: 'expiring_soon',
} as const;

/** The columns of a notification, for selects and RETURNING lists. */
export const NOTIFICATION_COLUMNS = [
  'id',
  'user_id',
  'user_product_id',
  'type',
  'message',
  'product_name',
  'expiry_date',
  'is_read',
  'created_at',
] as const satisfies readonly (keyof NotificationRow)[];

/**
 * The caller's unread notifications, the newest `limit` of them, oldest first: what a socket
 * that (re)connects is sent, so nothing created while it was away is lost.
 */
export async function unreadBacklog(
  database: AppDatabase,
  userId: string,
  limit: number,
): Promise<NotificationRow[]> {
  const rows = await database.db
    .selectFrom('notifications')
    .select(NOTIFICATION_COLUMNS)
    .where('user_id', '=', userId)
    .where('is_read', '=', false)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse();
}

/**
 * Unread notifications of `userIds` created at or after `since`, oldest first, at most `limit`
 * per query of up to 500 users: what sockets that stayed open may have missed while their
 * instance could not hear the notification bus.
 */
export async function unreadSince(
  database: AppDatabase,
  userIds: readonly string[],
  since: Date,
  limit: number,
): Promise<NotificationRow[]> {
  const out: NotificationRow[] = [];
  for (let i = 0; i < userIds.length; i += 500) {
    const rows = await database.db
      .selectFrom('notifications')
      .select(NOTIFICATION_COLUMNS)
      .where('user_id', 'in', userIds.slice(i, i + 500))
      .where('is_read', '=', false)
      .where('created_at', '>=', since)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    out.push(...rows);
  }
  return out;
}

/** Where committed notifications go to reach their owner's sockets (`app.publishNotifications`). */
export type NotificationPublisher = (rows: readonly PublishedNotification[]) => unknown;

/** The original's "Product Scanned successfully" notification for a newly added inventory item. */
export function scanNotification(
  userId: string,
  itemId: string,
  productName: string,
  now: Date,
): NotificationRow {
  return {
    id: randomUUID(),
    user_id: userId,
    user_product_id: itemId,
    type: NotificationKind.scanned,
    message: 'Product Scanned successfully',
    product_name: productName,
    expiry_date: null,
    is_read: false,
    created_at: now,
  };
}
