let last = 0;

/**
 * Now, strictly later than the previous call's answer in this process: by one millisecond when the
 * clock has not moved since. Lists are newest first by these timestamps (kept to the millisecond on
 * every dialect), and a mass add writes several items within one millisecond — those came back in
 * item-id order, which is random. A clock set back by more than a second is followed, not
 * outrun. Across processes equal times remain possible; they are ordered by id.
 */
export function monotonicNow(): Date {
  const now = Date.now();
  last = now > last || last - now > 1000 ? now : last + 1;
  return new Date(last);
}
