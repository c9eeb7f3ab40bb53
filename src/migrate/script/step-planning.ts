import { describeStep, type MigrationStep, type StampStep, type VersionChange } from './migration-step.js';
import { MultipleHeadsError, RevisionError, STAMP_MULTIPLE_HEADS_MESSAGE } from './revision-errors.js';
import { BASE, type RevisionGraph, unique } from './revision-graph.js';
import { currentIdx, ident, symbolic } from './revision-resolution.js';
import { stampDestinations } from './revision-targets.js';

/**
 * Turning revisions into steps by simulating the version table (the bookkeeping of Alembic's
 * `alembic/runtime/migration.py` `HeadMaintainer`): the simulated `alembic_version` rows
 * (`VersionTable`), the upgrade/downgrade steps for an ordered list of revisions (`simulate`), and
 * the stamp steps and resulting rows (`planStampSteps`).
 */

/**
 * The rows of `alembic_version` while a plan is simulated; keeps row order stable for display.
 * Each edit applies itself and returns the VersionChange it stands for, so a step's statements
 * are exactly the edits made.
 */
class VersionTable {
  readonly rows: number[];
  constructor(
    rows: readonly number[],
    private readonly id: (i: number) => string,
  ) {
    this.rows = [...rows];
  }
  has(i: number): boolean {
    return this.rows.includes(i);
  }
  insert(i: number): VersionChange {
    this.rows.push(i);
    return { kind: 'insert', to: this.id(i) };
  }
  delete(i: number): VersionChange {
    this.rows.splice(this.rows.indexOf(i), 1);
    return { kind: 'delete', from: this.id(i) };
  }
  update(from: number, to: number): VersionChange {
    this.rows[this.rows.indexOf(from)] = to;
    return { kind: 'update', from: this.id(from), to: this.id(to) };
  }
  /** A merge: deletes every row of `from` but the last and moves that one to `to`. */
  mergeInto(from: readonly number[], to: number): VersionChange[] {
    return [...from.slice(0, -1).map((h) => this.delete(h)), this.update(from[from.length - 1]!, to)];
  }
  /**
   * The inverse, a downgrade: `from` becomes the rows `to` — gone when there are none, else moved
   * to the last of them with the others inserted before it.
   */
  unmergeInto(from: number, to: readonly number[]): VersionChange[] {
    if (to.length === 0) return [this.delete(from)];
    return [...to.slice(0, -1).map((t) => this.insert(t)), this.update(from, to[to.length - 1]!)];
  }
}

/**
 * Turns an ordered list of revisions into steps, simulating the version table to find each step's
 * statements (Alembic's `HeadMaintainer.update_to_step` with `RevisionStep`'s should_* rules).
 */
export function simulate(
  g: RevisionGraph,
  order: number[],
  direction: 'up' | 'down',
  heads: readonly number[],
): MigrationStep[] {
  const id = (i: number) => g.ids[i]!;
  const table = new VersionTable(heads, id);
  const cache = new Map<number, Uint8Array>();
  const ancestorsOf = (i: number): Uint8Array => {
    let marks = cache.get(i);
    if (marks === undefined) {
      marks = g.ancestors([i]);
      cache.set(i, marks);
    }
    return marks;
  };
  const steps: MigrationStep[] = [];
  for (const i of order) {
    const down = g.normDown(i);
    const changes: VersionChange[] = [];
    if (direction === 'up') {
      const present = down.filter((d) => table.has(d));
      if (present.length === 0) {
        // A base, or a branch whose parent row has moved on: new row.
        changes.push(table.insert(i));
      } else if (present.length === 1) {
        changes.push(table.update(present[0]!, i));
      } else {
        // Merge: delete all parent rows but one, move that one.
        const others = table.rows.filter((h) => !down.includes(h)).map(ancestorsOf);
        let merged = present.filter((d) => !others.some((a) => a[d] === 1));
        if (merged.length === 0) merged = present;
        changes.push(...table.mergeInto(merged, i));
      }
    } else {
      if (!table.has(i)) {
        throw new RevisionError(`Revision ${id(i)} is not in the version table; can't plan its downgrade`);
      }
      // The rows that must appear: down revisions (dependencies included) not implied by another
      // row — as Alembic's `_unmerge_to_revisions`, which keeps a down revision that is an ancestor
      // of another (a revision whose dependency descends from its parent leaves both rows).
      const others = table.rows.filter((h) => h !== i).map(ancestorsOf);
      const to = down.filter((d) => !others.some((a) => a[d] === 1));
      changes.push(...table.unmergeInto(i, to));
    }
    const revision = g.revs[i]!;
    steps.push({
      revision,
      direction,
      describe: describeStep(revision, direction),
      versionChanges: changes,
    });
  }
  return steps;
}

/**
 * Alembic's `ScriptDirectory._stamp_revs` plus the version-table rows it leads to (its
 * `HeadMaintainer.update_to_step` for `StampStep`s). The current rows on the lineage of any of
 * the targets are "filtered"; each target then moves those of them above it down to it, or those
 * below it up to it (a row already moved by an earlier target makes this a new row), else it is
 * a new branch. `base` (and a relative target walked past the bases) deletes
 * the filtered rows. Resolving a target against the rows (`-N`) only happens when there are rows.
 */
export function planStampSteps(
  g: RevisionGraph,
  currentHeads: readonly string[],
  targets: readonly string[],
): { steps: StampStep[]; rows: string[] } {
  const argument = targets.join(' ');
  try {
    const heads = currentIdx(g, currentHeads);
    const revisions = targets.length > 0 ? targets : ['base'];
    const filtered: number[] = [];
    for (const target of revisions) {
      if (target === '') continue;
      const { label, ids } = symbolic(g, target);
      const shares = [...(label === undefined ? [] : [label]), ...ids];
      for (const h of heads) {
        if (shares.length === 0) {
          filtered.push(h);
          continue;
        }
        // Every share is resolved (an unknown one fails) before any is tested, as in Alembic.
        const resolved = shares.map((x) => ident(g, x));
        const related = g.lineage([h], true);
        if (resolved.some((x) => related[x] === 1)) filtered.push(h);
      }
    }
    const from = unique(filtered);
    const dests = revisions.flatMap((t) => stampDestinations(g, t));
    if (dests.includes(BASE))
      throw new RevisionError('A relative stamp target reaches base: nothing to stamp');

    const id = (i: number) => g.ids[i]!;
    const table = new VersionTable(heads, id);
    const steps: StampStep[] = [];
    const step = (
      fromIdx: number[],
      to: number | undefined,
      direction: 'up' | 'down',
      changes: VersionChange[],
    ) => {
      const toIds = to === undefined ? [] : [id(to)];
      steps.push({
        from: fromIdx.map(id),
        to: toIds,
        direction,
        describe: `stamp_revision ${fromIdx.map(id).join(', ')} -> ${toIds.join(', ')}`,
        versionChanges: changes,
      });
    };
    const missing = (i: number) => {
      if (!table.has(i))
        throw new RevisionError(`Can't stamp: revision ${id(i)} is no longer in the version table`);
    };
    for (const dest of dests.length > 0 ? dests : [undefined]) {
      if (dest === undefined) {
        for (const h of from) {
          missing(h);
          step([h], undefined, 'down', [table.delete(h)]);
        }
        continue;
      }
      if (from.includes(dest)) continue;
      const below = g.descendants([dest]);
      const above = g.ancestors([dest]);
      const upgrade = !from.some((h) => below[h] === 1);
      // Deliberately unlike Alembic, which moves every filtered row (so `stamp heads` from a row
      // at one head and a row below another deletes the first): only the rows related to this
      // target move.
      const moving = from.filter((h) => (upgrade ? above : below)[h] === 1);
      if (moving.length === 0) {
        // A branch the rows do not represent: a new row.
        if (table.has(dest))
          throw new RevisionError(`Can't stamp: revision ${id(dest)} is already in the version table`);
        step([], dest, 'up', [table.insert(dest)]);
        continue;
      }
      if (table.has(dest))
        throw new RevisionError(`Can't stamp: revision ${id(dest)} is already in the version table`);
      const changes: VersionChange[] = [];
      // Rows an earlier target already moved are gone: the rest merge into this one, or none is
      // left and it is a new row — both ways, so that stamping the two parents of a merge row
      // splits it into two rows (Alembic moves the merge row to the first and then stops on a
      // KeyError for the second, the table half stamped). Downwards, a target on the line of
      // descent of a row an earlier target moved there would leave a row and its ancestor: refused,
      // in the words Alembic uses for overlapping targets. (Upwards Alembic makes that a new row
      // and so does ours: the differential test holds both to it.)
      const present = moving.filter((h) => table.has(h));
      if (present.length === 0) {
        if (!upgrade) {
          const overlaps = table.rows.filter((r) => below[r] === 1 || above[r] === 1);
          if (overlaps.length > 0) {
            throw new RevisionError(
              `Requested revision ${id(dest)} overlaps with other requested revisions ${overlaps.map(id).join(', ')}`,
            );
          }
        }
        changes.push(table.insert(dest));
      } else {
        changes.push(...table.mergeInto(present, dest));
      }
      step(moving, dest, upgrade ? 'up' : 'down', changes);
    }
    return { steps, rows: table.rows.map(id) };
  } catch (e) {
    if (e instanceof MultipleHeadsError) {
      throw new MultipleHeadsError(e.heads, argument, STAMP_MULTIPLE_HEADS_MESSAGE);
    }
    throw e;
  }
}
