import { ValidationFailure } from '../../app/http-error.js';

export const MIN_NAME = 3;

/**
 * A name as catalogue names are compared: case-insensitively, in JavaScript (so the same on every
 * database; SQLite's lower() knows only ASCII). Stored as `products.name_key`, which is unique.
 */
export function nameKey(name: string): string {
  return name.trim().toLowerCase();
}

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
  if ([...nameKey(name)].length > KEY_MAX) {
    throw new ValidationFailure([{ field, message: 'Product name is too long once lower-cased' }]);
  }
  return name;
}
