import { addDays, todayUtc } from '../../db/dates.js';
import { CATEGORIES, FOODS, type Group, type ShelfLifeEntry, type Storage } from './table.js';

export interface ShelfLifeEstimate {
  /** 'YYYY-MM-DD'. */
  expiryDate: string;
  /** Always true: the client shows the date as "estimated". */
  estimated: true;
  /** Where the estimate assumes the food is kept (the one asked for when the table has it). */
  storage: Storage;
  days: number;
  group: Group;
  /** Whether the food itself was found, or only its category. */
  basis: 'product' | 'category';
}

export interface EstimateInput {
  name: string;
  category?: string | null | undefined;
  storage?: Storage | null | undefined;
  /** The purchase day, 'YYYY-MM-DD' (default today, UTC). */
  from?: string | undefined;
}

/** Singular forms of a lower-case word: "tomatoes" → tomato, "berries" → berry, "apples" → apple. */
function forms(word: string): string[] {
  const out = [word];
  if (word.endsWith('ies')) out.push(`${word.slice(0, -3)}y`);
  if (word.endsWith('oes')) out.push(word.slice(0, -2));
  if (word.endsWith('es')) out.push(word.slice(0, -2));
  if (word.endsWith('s')) out.push(word.slice(0, -1));
  return out;
}

const words = (s: string) =>
  s
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);

/**
 * The table entry for a food: the whole name, then its words from the last ("green apples" →
 * apple, "chicken breast" → chicken via the earlier word), then the category's words.
 */
export function lookupShelfLife(
  name: string,
  category?: string | null,
): { entry: ShelfLifeEntry; basis: 'product' | 'category' } | undefined {
  const w = words(name);
  const whole = FOODS[w.join(' ')];
  if (whole) return { entry: whole, basis: 'product' };
  for (let i = w.length - 1; i >= 0; i--) {
    for (const f of forms(w[i]!)) {
      const e = FOODS[f];
      if (e) return { entry: e, basis: 'product' };
    }
  }
  for (const c of words(category ?? '')) {
    for (const f of forms(c)) {
      const e = CATEGORIES[f];
      if (e) return { entry: e, basis: 'category' };
    }
  }
  return undefined;
}

/**
 * The estimated expiry of a food bought on `from`, kept in `storage` (its usual place when not
 * given, or when the table has no figure for that place); undefined when nothing is known. The
 * user's own date always wins: callers use this only when the user gave none.
 */
export function estimateShelfLife(input: EstimateInput): ShelfLifeEstimate | undefined {
  const found = lookupShelfLife(input.name, input.category);
  if (!found) return undefined;
  const { entry, basis } = found;
  const storage = input.storage && entry.days[input.storage] !== undefined ? input.storage : entry.default;
  const days = entry.days[storage]!;
  return {
    expiryDate: addDays(input.from ?? todayUtc(), days),
    estimated: true,
    storage,
    days,
    group: entry.group,
    basis,
  };
}
