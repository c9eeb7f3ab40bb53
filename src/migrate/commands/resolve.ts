import { ResolutionError, RevisionError } from '../script/revision-errors.js';
import { CommandError } from './errors.js';

/**
 * Runs a graph operation and turns its errors into Alembic's user-facing wording: every failed
 * resolution reads "Can't locate revision identified by '<arg>'".
 */
export function graph<T>(fn: () => T, logged = false): T {
  try {
    return fn();
  } catch (e) {
    throw toCommandError(e, logged);
  }
}

export function toCommandError(e: unknown, logged = false): unknown {
  if (e instanceof ResolutionError)
    return new CommandError(`Can't locate revision identified by '${e.argument}'`, logged);
  if (e instanceof RevisionError) return new CommandError(e.message, logged);
  return e;
}

/**
 * A database stamped with a revision the files do not have (deleted, or from another branch of
 * the code): Alembic's "Can't locate revision" for the first such head, logged as the database
 * was reached.
 */
export function checkKnownHeads(map: { get(id: string): unknown }, heads: readonly string[]): void {
  for (const h of heads) {
    if (!map.get(h)) throw new CommandError(`Can't locate revision identified by '${h}'`, true);
  }
}
