import { randomUUID } from 'node:crypto';

/** A new revision id: the last 12 hex digits of a random UUID, as Alembic makes them. */
export function newRevisionId(): string {
  return randomUUID().replaceAll('-', '').slice(-12);
}

/**
 * The file-name slug of a message: its words joined by `_`, lower-cased; past 40 characters cut
 * back to the last `_` with a trailing `_` (Alembic's truncate_slug_length).
 */
export function slugify(message: string, max = 40): string {
  const slug = (message.match(/[\p{L}\p{N}_]+/gu) ?? []).join('_').toLowerCase();
  if (slug.length <= max) return slug;
  const cut = slug.slice(0, max);
  const last = cut.lastIndexOf('_');
  return `${last > 0 ? cut.slice(0, last) : cut}_`;
}

/** `2026-11-25 17:20:45.434058`: naive local time with microseconds, Alembic's Create Date. */
export function createDate(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const micro = `${p(now.getMilliseconds(), 3)}000`; // a Date holds milliseconds
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())} ${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}.${micro}`;
}
