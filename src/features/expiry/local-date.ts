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
  const day = `${get('year')}-${get('month')}-${get('day')}`;
  lastDay.set(timeZone, { second, day });
  return day;
}
