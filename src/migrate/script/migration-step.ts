import type { Revision } from './revision.js';

/** One `alembic_version` statement. */
export interface VersionChange {
  kind: 'insert' | 'update' | 'delete';
  /** The row deleted or updated. */
  from?: string;
  /** The row inserted, or the new value of an updated row. */
  to?: string;
}

export interface MigrationStep {
  revision: Revision;
  direction: 'up' | 'down';
  /**
   * The log line text after "Running ": e.g. "upgrade  -> 521309cc5b4e, initial",
   * "upgrade 4dc7cae0efa7, 4b0cc052b1d7 -> c90d49cadc6e, merge", "downgrade 521309cc5b4e -> , initial".
   */
  describe: string;
  /** The version-table statements this step needs, given the rows before it, in order. */
  versionChanges: VersionChange[];
}

/** One `stamp` movement (Alembic's `StampStep`). */
export interface StampStep {
  from: string[];
  to: string[];
  direction: 'up' | 'down';
  /** "stamp_revision  -> X", "stamp_revision X -> " (Alembic's format, spaces included). */
  describe: string;
  versionChanges: VersionChange[];
}

/** The log text without the message: "upgrade A -> B", as in offline SQL's `-- Running ...` comment. */
export function shortLog(step: MigrationStep): string {
  return movement(step.revision, step.direction);
}

/** The log line text after "Running " (`MigrationStep.describe`): the movement and the message. */
export function describeStep(r: Revision, direction: 'up' | 'down'): string {
  const text = movement(r, direction);
  return r.message ? `${text}, ${r.message}` : text;
}

function movement(r: Revision, direction: 'up' | 'down'): string {
  return direction === 'up'
    ? `upgrade ${r.downRevisions.join(', ')} -> ${r.revision}`
    : `downgrade ${r.revision} -> ${r.downRevisions.join(', ')}`;
}
