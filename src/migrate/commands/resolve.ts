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
