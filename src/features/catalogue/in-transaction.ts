import type { Kysely } from 'kysely';
import { conflict } from '../../app/http-error.js';
import type { AppDatabase } from '../../db/database.js';
import { isTransient, isUniqueViolation } from '../../db/errors.js';
import type { Database } from '../../models/index.js';
import { NameClash } from './insert-product.js';

/**
 * Runs `work` in a transaction. A deadlock or serialisation failure runs it again (up to 3 times).
 * A unique violation that a check could not foresee (a race) is a 409 — or, with `retryUnique`,
 * runs it once more first: a caller that creates a catalogue entry only when none exists then
 * finds the one a concurrent request just created (as after insertProduct's NameClash, the
 * same race seen by its check rather than by the key).
 */
export async function inTransaction<T>(
  database: AppDatabase,
  work: (tx: Kysely<Database>) => Promise<T>,
  options: { retryUnique?: boolean } = {},
) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await database.db.transaction().execute(work);
    } catch (e) {
      if (isTransient(e) && attempt < 3) continue;
      const raced = isUniqueViolation(e) || e instanceof NameClash;
      if (raced && options.retryUnique && attempt < 2) continue;
      if (isUniqueViolation(e)) throw conflict('The product name or barcode is already in the catalogue');
      throw e;
    }
  }
}
