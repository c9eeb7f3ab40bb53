import type { STATUSES } from './schemas.js';

type Status = (typeof STATUSES)[number];

/** The stored status, or `expired` once an active item's date has passed (before the sweep marks it). */
export function effectiveStatus(status: Status, expiryDate: string | null, today: string): Status {
  return status === 'active' && expiryDate !== null && expiryDate < today ? 'expired' : status;
}
