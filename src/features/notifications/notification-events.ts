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

/** Of the notifications `ids`, those still unread (one deleted is neither). */
export async function stillUnread(database: AppDatabase, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await database.db
    .selectFrom('notifications')
    .select('id')
    .where('id', 'in', ids)
    .where('is_read', '=', false)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** A notification's place in the order backlogs and catch-ups read them: (created_at, id). */
export interface NotificationKey {
  created_at: Date;
  id: string;
}

/** Whether `row` comes at or after `key` in (created_at, id) order. */
export function atOrAfter(row: NotificationKey, key: NotificationKey): boolean {
  const d = row.created_at.getTime() - key.created_at.getTime();
  return d > 0 || (d === 0 && row.id >= key.id);
}

/** One user of a catch-up, and where their sockets' catch-up starts (none: all their unread). */
export interface CatchUpFrom {
  userId: string;
  from: NotificationKey | undefined;
}

/**
 * One page of the unread notifications of `users`, each user's from their `from` key on, in
 * (created_at, id) order, strictly after `page` (the previous page's last row): what sockets that
 * stayed open may have missed while their instance could not hear the notification bus. Read
 * by key, not by a time window: a notification's created_at is when its work started (a sweep's
 * start), which may be long before it was committed and published.
 */
export async function unreadPage(
  database: AppDatabase,
  users: readonly CatchUpFrom[],
  page: NotificationKey | undefined,
  limit: number,
): Promise<NotificationRow[]> {
  if (users.length === 0) return [];
  const everything = users.filter((u) => !u.from).map((u) => u.userId);
  const bounded = users.filter((u): u is { userId: string; from: NotificationKey } => u.from !== undefined);
  return database.db
    .selectFrom('notifications')
    .select(NOTIFICATION_COLUMNS)
    .where('is_read', '=', false)
    .where((eb) => {
      const keyAtOrAfter = (k: NotificationKey, inclusive: boolean) =>
        eb.or([
          eb('created_at', '>', k.created_at),
          eb.and([eb('created_at', '=', k.created_at), eb('id', inclusive ? '>=' : '>', k.id)]),
        ]);
      const ofUsers = [
        ...(everything.length ? [eb('user_id', 'in', everything)] : []),
        ...bounded.map((u) => eb.and([eb('user_id', '=', u.userId), keyAtOrAfter(u.from, true)])),
      ];
      return page ? eb.and([eb.or(ofUsers), keyAtOrAfter(page, false)]) : eb.or(ofUsers);
    })
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
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
