import { ValidationFailure } from '../../app/http-error.js';

export const MIN_NAME = 3;

/**
 * A name as catalogue names are compared: in Unicode NFKC and case-insensitively, in JavaScript (so
 * the same on every database; SQLite's lower() knows only ASCII). NFKC makes one key of what reads
 * as one name: "Müsli" typed with a combining diaeresis or precomposed, "Ｍｉｌｋ" in full width
 * and "Milk". Stored as `products.name_key`, which is unique; revision 227e9a1d60f1 re-keyed the
 * names stored before.
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
}

/**
 * Characters a name must not hold: control characters (tab, line feed, escape…), which no label
 * shows, and the bidirectional embeddings, overrides and isolates, which make a name read in
 * another order than it is stored ("Trojan Source"). The direction marks (LRM, RLM, ALM) are
 * allowed: they move only neutral characters, and right-to-left keyboards type them into ordinary
 * mixed-direction names.
 */
const FORBIDDEN = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
const CONTROL = /\p{Cc}/gu;
const DIRECTION = /[\u202A-\u202E\u2066-\u2069]/gu;

/**
 * `text` without what FORBIDDEN refuses, for names the application takes from elsewhere (a
 * provider's) rather than refusing them: control characters become spaces (as word separators),
 * the direction embeddings, overrides and isolates go (they change only the order a name shows in;
 * without them it reads as stored). Not trimmed.
 */
export function withoutForbidden(text: string): string {
  return text.replace(CONTROL, ' ').replace(DIRECTION, '');
}

/** What does not show: white space, control and format characters (zero-width space, joiners…). */
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/** The characters of `name` that show, counted as code points (the original's Python `len`). */
export function visibleLength(name: string): number {
  return [...name.replace(INVISIBLE, '')].length;
}

/**
 * products.name_key's length: lower case can be longer than the name (`İ` is `i̇`, two code points),
 * and NFKC much longer (U+FDFA, one character, is 18).
 */
const KEY_MAX = 300;

/** Whether `name`'s key fits products.name_key (MariaDB and PostgreSQL refuse a longer one). */
export function keyFits(name: string): boolean {
  return [...nameKey(name)].length <= KEY_MAX;
}

/**
 * Why the catalogue refuses the trimmed `name`, or undefined when it takes it. The minimum counts
 * visible characters, as code points (the original's Python `len`): a name of zero-width spaces,
 * or of two emoji, is too short.
 */
export function nameRefusal(name: string): string | undefined {
  if (visibleLength(name) < MIN_NAME) return `Product name must be at least ${MIN_NAME} characters long`;
  if (FORBIDDEN.test(name)) return 'Product name must not contain control or text-direction characters';
  if (!keyFits(name)) return 'Product name is too long once lower-cased';
  return undefined;
}

/** Trimmed name, or a 422 naming `field` with nameRefusal's reason. */
export function checkedName(raw: string, field = 'productName'): string {
  const name = raw.trim();
  const refusal = nameRefusal(name);
  if (refusal) throw new ValidationFailure([{ field, message: refusal }]);
  return name;
}

/**
 * The trimmed category, or undefined when blank; a 422 naming `field` when it holds what a name
 * must not (control or text-direction characters): categories are shown to everyone the catalogue
 * is shared with, in lists and statistics, as names are.
 */
export function checkedCategory(raw: string | undefined, field = 'category'): string | undefined {
  const category = raw?.trim();
  if (category && FORBIDDEN.test(category)) {
    throw new ValidationFailure([
      { field, message: 'Category must not contain control or text-direction characters' },
    ]);
  }
  return category || undefined;
}
