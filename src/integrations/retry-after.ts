/**
 * The longest a provider's `Retry-After` is honoured: a wrong or hostile header (a date in the
 * year 9999, twenty digits of seconds) cannot mute a provider, or leave a product waiting, for days.
 */
export const MAX_RETRY_AFTER_MS = 3600_000;

/**
 * `Retry-After` (delta-seconds or an HTTP date) as milliseconds from `now`, at most
 * MAX_RETRY_AFTER_MS. Bounded here, where it is read, so every user of the value gets a finite
 * number: 400 digits of seconds is Infinity, 20 digits is past what a Date can hold.
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
