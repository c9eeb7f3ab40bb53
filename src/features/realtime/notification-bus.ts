import type { PublishedNotification } from '../notifications/notification-events.js';

/**
 * How new notifications reach sockets. Whatever creates notifications (the sweep, a scan, an API
 * route, `expireeye sweep`) calls `publish` once they are committed; every instance's listeners
 * then get them and deliver to their local sockets. In memory within one process (LocalBus) or
 * over Redis pub/sub between processes (RedisBus).
 */
export interface NotificationBus {
  /** Sends committed notifications to their owners' sockets on every instance. Never throws. */
  publish(rows: readonly PublishedNotification[]): Promise<void>;
  /** Called with each batch of notifications published by any instance. */
  onDeliver(listener: (rows: PublishedNotification[]) => void): void;
  close(): Promise<void>;
}

/** Rows per Redis message: a sweep's 10,000 notifications become 20 messages of ~250 KB. */
const CHUNK = 500;

/** The wire form: JSON arrays of rows with ISO timestamps, at most CHUNK rows each. */
export function encodeNotifications(rows: readonly PublishedNotification[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(JSON.stringify(rows.slice(i, i + CHUNK)));
  return out;
}

/** Rows from one wire message; anything malformed is dropped (it came from outside this process). */
export function decodeNotifications(text: string): PublishedNotification[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) return [];
  const rows: PublishedNotification[] = [];
  for (const r of parsed) {
    if (typeof r !== 'object' || r === null) continue;
    const o = r as Record<string, unknown>;
    if (typeof o.id !== 'string' || typeof o.user_id !== 'string' || typeof o.message !== 'string') continue;
    rows.push({
      id: o.id,
      user_id: o.user_id,
      user_product_id: typeof o.user_product_id === 'string' ? o.user_product_id : null,
      type: typeof o.type === 'string' ? o.type : 'info',
      message: o.message,
      product_name: typeof o.product_name === 'string' ? o.product_name : null,
      expiry_date: typeof o.expiry_date === 'string' ? o.expiry_date : null,
      is_read: o.is_read === true,
      created_at: new Date(typeof o.created_at === 'string' ? o.created_at : Date.now()),
      ...(typeof o.data === 'object' && o.data !== null && !Array.isArray(o.data)
        ? { data: o.data as Record<string, unknown> }
        : {}),
    });
  }
  return rows;
}
