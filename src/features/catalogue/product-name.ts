import { ValidationFailure } from '../../app/http-error.js';

export const MIN_NAME = 3;

/**
 * A name as catalogue names are compared: case-insensitively, in JavaScript (so the same on every
 * database; SQLite's lower() knows only ASCII). Stored as `products.name_key`, which is unique.
 */
export function nameKey(name: string): string {
  return name.trim().toLowerCase();
}

/** Trimmed name, or a 422 naming `field`. */
export function checkedName(raw: string, field = 'productName'): string {
  const name = raw.trim();
  if (name.length < MIN_NAME) {
    throw new ValidationFailure([
      { field, message: `Product name must be at least ${MIN_NAME} characters long` },
    ]);
  }
  return name;
}
