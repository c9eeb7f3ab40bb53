/** Calendar dates are 'YYYY-MM-DD' strings in UTC; these are the few operations the app needs. */

const DAY_MS = 86_400_000;

/** Today's date in UTC. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** `date` plus `days` (may be negative). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whether a 'YYYY-MM-DD' string names a real calendar day (no 2026-02-30). */
export function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * ISO 8601 UTC with `Z` and milliseconds, exactly as `toISOString()` writes it, or null.
 * Every timestamp of every answer passes here (100 per page of 50 items), and V8's
 * `toISOString()` formats in C++ at ~330 ns a call, 10% of the list route's CPU; assembled from
 * the UTC fields it takes ~140 ns. Years outside 1000–9999 (which `toISOString()` pads or signs)
 * and invalid dates (which it refuses) are left to it.
 */
export function iso(d: Date | null | undefined): string | null {
  if (!d) return null;
  const y = d.getUTCFullYear();
  if (!(y >= 1000 && y <= 9999)) return d.toISOString();
  return `${y}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}Z`;
}
