/**
 * Notification texts. "Product <name> has expired" is the original's exact text (its front end
 * shows it as is); the "expiring soon" ones follow its style.
 */

export const expiredMessage = (name: string) => `Product ${name} has expired`;

/** The tail after "Product <name>" for an item `daysLeft` days from its date. */
export function expiresSuffix(daysLeft: number): string {
  if (daysLeft <= 0) return ' expires today';
  if (daysLeft === 1) return ' expires tomorrow';
  return ` expires in ${daysLeft} days`;
}

export const expiringSoonMessage = (name: string, daysLeft: number) =>
  `Product ${name}${expiresSuffix(daysLeft)}`;
