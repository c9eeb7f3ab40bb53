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

/** What does not show: white space, control and format characters (zero-width space, joiners…). */
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/** The characters of `name` that show, counted as code points (the original's Python `len`). */
export function visibleLength(name: string): number {
  return [...name.replace(INVISIBLE, '')].length;
}

/** products.name_key's length: lower case can be longer than the name (`İ` is `i̇`, two code points). */
const KEY_MAX = 300;

/**
 * Trimmed name, or a 422 naming `field`. The minimum counts visible characters, as code points (the
 * original's Python `len`): a name of zero-width spaces, or of two emoji, is too short.
 */
export function checkedName(raw: string, field = 'productName'): string {
  const name = raw.trim();
  if (visibleLength(name) < MIN_NAME) {
    throw new ValidationFailure([
      { field, message: `Product name must be at least ${MIN_NAME} characters long` },
    ]);
  }
  if (FORBIDDEN.test(name)) {
    throw new ValidationFailure([
      { field, message: 'Product name must not contain control or text-direction characters' },
    ]);
  }
  if ([...nameKey(name)].length > KEY_MAX) {
    throw new ValidationFailure([{ field, message: 'Product name is too long once lower-cased' }]);
  }
  return name;
}
