import { NotificationKind, type PublishedNotification } from '../notifications/notification-events.js';

/** WebSocket close code 1008: policy violation (bad, expired or revoked token, too many sockets or messages). */
export const POLICY_VIOLATION = 1008;

/** WebSocket close code 1001: the server is going away (shutting down); reconnect. */
export const GOING_AWAY = 1001;

/**
 * The JSON text frames of /api/ws/notification. The connect frame and the expiry frame keep the
 * original's keys (`type`, `message`, `userId`; `id`, `productName`, `expiryDate`, `timestamp`),
 * so its front end keeps working; the extra keys carry what the REST list shows.
 */

export const connectionEstablished = (userId: string) =>
  JSON.stringify({ type: 'CONNECTION_ESTABLISHED', message: 'Notification WebSocket connected', userId });

export const pong = () => JSON.stringify({ type: 'pong' });

export const errorFrame = (message: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'error', message, ...extra });

/**
 * Sent after a Redis outage to a socket that may have missed notifications the server cannot
 * replay without repeats: the client fetches them (`GET /api/notification/list`) and stays connected.
 */
export const resyncFrame = () =>
  JSON.stringify({
    type: 'resync',
    message: 'Notifications may have been missed: fetch GET /api/notification/list',
  });

export const replyFrame = (type: string, fields: Record<string, unknown>) =>
  JSON.stringify({ type, ...fields });

/** The frame `type` of each stored kind; the original called an expiry `product_expiration`. */
const FRAME_TYPES: Record<string, string> = {
  [NotificationKind.expired]: 'product_expiration',
  [NotificationKind.expiringSoon]: 'product_expiring_soon',
  [NotificationKind.scanned]: 'Product_Scanned',
};

/** One notification as pushed to its owner. */
export function notificationFrame(n: PublishedNotification): string {
  // A scan's row stores no date (the item's may change); its frame carries the item's, in `data`.
  const expiryDate = n.expiry_date ?? (n.data?.expiryDate as string | null | undefined) ?? null;
  return JSON.stringify({
    type: FRAME_TYPES[n.type] ?? 'notification',
    id: n.id,
    message: n.message,
    productName: n.product_name,
    expiryDate,
    timestamp: n.created_at.toISOString(),
    ...(n.data ? { data: n.data } : {}),
    notification: {
      id: n.id,
      type: n.type,
      message: n.message,
      productName: n.product_name,
      itemId: n.user_product_id,
      expiryDate,
      createdAt: n.created_at.toISOString(),
      isRead: n.is_read,
    },
  });
}
