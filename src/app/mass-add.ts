import type { AppDatabase } from '../db/database.js';
import { isDatabaseUnavailable, isForeignKeyViolation } from '../db/errors.js';
import { type FieldError, HttpError, ValidationFailure } from './http-error.js';
import { UnavailableWithProgress } from './unavailable-with-progress.js';

/** An item of a mass add that could not be added, as sent, with the reason. */
export interface MassAddFailure {
  /** As sent: an object, or whatever else the list held in its place. */
  product: unknown;
  reason: string;
}

/**
 * The `failed` reason of an item that does not pass its schema (compileChecker's errors): the
 * missing fields, or each field's problem.
 */
export function invalidItemReason(errors: readonly FieldError[]): string | undefined {
  if (errors.length === 0) return undefined;
  return errors.some((e) => e.message === 'Field required')
    ? `Missing required fields: ${errors.map((e) => e.field).join(', ')}`
    : errors.map((e) => (e.field === 'body' ? e.message : `${e.field}: ${e.message}`)).join('; ');
}

export interface MassAddSteps<I, R> {
  /** Why `item` is refused without being tried (it is invalid); undefined: it is tried. */
  refuse?: (item: I) => string | undefined;
  /**
   * Adds `item` in a transaction of its own and calls `added` with its entry in `success` once it
   * is committed, before any work after the commit (a live push), which is part of the item too.
   */
  add: (item: I, added: (result: R) => void) => Promise<void>;
  /** An error that is neither the client's nor a database that cannot serve: logged. */
  onError?: (e: unknown) => void;
  /** The `failed` reason for such an error. */
  unsaved: string;
}

/**
 * The two `add-mass` routes (catalogue products, inventory items): each item on its own, in its
 * own transaction, and with a database deadline of its own (`DB_TIMEOUT_SECONDS` for all its
 * waits and statements, not what is left of the request's): a list of 500 must not run out of
 * time for its length alone — with the request's deadline, the items after it ran out would fail,
 * COMMITs included, while they may have been committed.
 *
 * An item that cannot be added is reported in `failed`. A database that cannot serve is not the
 * item's fault, and the next would fare no better: the request is a 503 whose body lists the
 * items added so far (each committed on its own, they stay added), the failures so far and the
 * items not added (from this one, unless it was committed before the database failed) to send again.
 */
export async function addEach<I, R>(
  database: AppDatabase,
  items: readonly I[],
  steps: MassAddSteps<I, R>,
): Promise<{ success: R[]; failed: MassAddFailure[] }> {
  const success: R[] = [];
  const failed: MassAddFailure[] = [];
  for (const [index, item] of items.entries()) {
    const product: unknown = item;
    const refused = steps.refuse?.(item);
    if (refused !== undefined) {
      failed.push({ product, reason: refused });
      continue;
    }
    let added = false;
    try {
      await database.deadline().run(() =>
        steps.add(item, (result) => {
          added = true;
          success.push(result);
        }),
      );
    } catch (e) {
      if (isDatabaseUnavailable(e)) {
        throw new UnavailableWithProgress(e, {
          success,
          failed,
          pending: items.slice(added ? index + 1 : index),
        });
      }
      if (added) {
        // Committed: what failed after it (its push) is logged, and the item stays in `success`.
        steps.onError?.(e);
        continue;
      }
      if (e instanceof HttpError) failed.push({ product, reason: e.detail });
      else if (e instanceof ValidationFailure) failed.push({ product, reason: e.errors[0]!.message });
      else if (isForeignKeyViolation(e)) {
        // The account was deleted while its list was being added (what an item refers to besides
        // its user is held by a lock or created in its transaction): the client's doing, not a
        // server fault to log.
        failed.push({ product, reason: 'The account no longer exists' });
      } else {
        steps.onError?.(e);
        failed.push({ product, reason: steps.unsaved });
      }
    }
  }
  return { success, failed };
}
