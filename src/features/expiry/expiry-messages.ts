/**
 * Notification texts, as the tail after "Product <name>": the sweep builds each text in SQL
 * (sweep-sql.ts's `message`), so only the suffixes live here. "Product <name> has expired" is the
 * original's exact text (its front end shows it as is); the "expiring soon" ones follow its style.
 */

export const EXPIRED_SUFFIX = ' has expired';

/** The tail after "Product <name>" for an item `daysLeft` days from its date. */
export function expiresSuffix(daysLeft: number): string {
  if (daysLeft <= 0) return ' expires today';
  if (daysLeft === 1) return ' expires tomorrow';
  return ` expires in ${daysLeft} days`;
}
