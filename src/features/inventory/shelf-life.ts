import { todayUtc } from '../../db/dates.js';
import { estimateShelfLife, lookupShelfLife } from '../shelf-life/estimate.js';
import type { Storage } from '../shelf-life/table.js';

/**
 * The inventory's view of the shelf-life table in `features/shelf-life` (per-storage figures for
 * produce, dairy, meat, fish, bakery and pantry foods). Kept as a thin adapter so the inventory
 * service's calls stay as they were.
 */
export interface ShelfLife {
  days: number;
  /** What the estimate rests on. */
  basis: 'product' | 'category';
}

/** Days for a product in its usual storage: by name (whole, then its words), then by category. */
export function shelfLifeDays(name: string, category?: string | null): ShelfLife | undefined {
  const found = lookupShelfLife(name, category);
  if (!found) return undefined;
  return { days: found.entry.days[found.entry.default]!, basis: found.basis };
}

/** The estimated expiry date ('YYYY-MM-DD') of an item bought on `from`, or undefined when nothing is known. */
export function estimateExpiry(
  name: string,
  category?: string | null,
  from: string = todayUtc(),
  storage?: Storage | null,
): string | undefined {
  return estimateShelfLife({ name, category, from, storage })?.expiryDate;
}
