/**
 * "Today" where the users live. An item is expired once its date is before today in
 * APP_TIMEZONE, so a server running in UTC does not expire a Sydney user's milk ten hours early.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-CA formats dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone (an IANA name such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The last answer per zone, with the second it was for (every zone's offset is whole seconds). */
const lastDay = new Map<string, { second: number; day: string }>();

/**
 * The calendar date ('YYYY-MM-DD') at instant `now` in `timeZone`. Routes ask for it on every
 * request; `formatToParts` costs ~10 µs, so the answer is kept for the rest of its second.
 */
export function localDate(now: Date, timeZone: string): string {
  const second = Math.floor(now.getTime() / 1000);
  const last = lastDay.get(timeZone);
  if (last?.second === second) return last.day;
  const parts = formatter(timeZone).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = `${get('year').padStart(4, '0')}-${get('month')}-${get('day')}`;
  lastDay.set(timeZone, { second, day });
  return day;
}

/** A date-time's parts: day, time of day, and an offset (`Z`, `+09:00`, `+0900`) when it has one. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|([+-])(\d{2}):?(\d{2}))?$/i;

/**
 * The calendar day a client's date or date-time names (input already validated as one). A date,
 * and a date-time without an offset (the original front end sends `2030-01-01T00:00:00`), name
 * their day as written. A date-time with an offset is an instant (`Date.toISOString()` sends
 * `Z`): its day is the one in `timeZone`, the app's calendar — kept as written, a front end east
 * of UTC sending local midnight of the 28th as `…-27T15:00:00.000Z` stored the 27th.
 */
export function clientDay(raw: string, timeZone: string): string {
  const m = DATE_TIME.exec(raw);
  if (!m || m[7] === undefined) return raw.slice(0, 10);
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const at = new Date(0);
  // Not Date.UTC, which reads years 0–99 as 1900–1999. A leap second (:60) is its minute's last.
  at.setUTCFullYear(y!, mo! - 1, d!);
  at.setUTCHours(h!, mi!, Math.min(Number.isNaN(s!) ? 0 : s!, 59));
  const offsetMinutes =
    m[7].toUpperCase() === 'Z' ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  return localDate(new Date(at.getTime() - offsetMinutes * 60_000), timeZone);
}
