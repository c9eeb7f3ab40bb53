/**
 * Recognises, in Alembic's log of a `stamp`, the one documented deliberate difference of our stamp
 * (README, "Where it differs from Alembic"): Alembic's `ScriptDirectory._stamp_revs` makes each
 * target a StampStep from EVERY row on the lineage of any of the targets (`filtered_heads`), not
 * only from the rows related to that target. So from a row below head D and a row at another head
 * C, `stamp heads` runs `stamp_revision B, C -> D` and then skips C (already a filtered row): C's
 * row is gone and the table no longer shows a head that `heads` lists. Ours moves only the rows
 * related to each target (B -> D) and keeps C's, as RevisionMap's property test demands (stamping
 * heads from anywhere gives the real heads). Such a step is not compared, nor anything after it.
 */
import { ancestorsOf, descendantsOf } from './graph-lineage.js';
import type { GraphRevision } from './revision-graph-arbitrary.js';
import type { CommandRun } from './tool-run.js';

/**
 * True when Alembic ran a `stamp_revision` to a revision from a row neither its ancestor nor its
 * descendant. Ours never moves such a row, so the two tables differ from here on. Checked whatever
 * the exit code: the step is logged before a later one of the same stamp may fail on the rows it
 * took away.
 */
export function stampMovedUnrelatedRow(graph: readonly GraphRevision[], run: CommandRun): boolean {
  return run.stderr.split('\n').some((line) => {
    const m = /\] Running stamp_revision (.*) -> (\w+)$/.exec(line);
    if (m === null || m[1] === '') return false;
    const related = new Set([...ancestorsOf(graph, m[2]!), ...descendantsOf(graph, m[2]!)]);
    return m[1]!.split(', ').some((row) => !related.has(row));
  });
}

/**
 * True when Alembic crashed on a stamp step from a row an earlier step of the same stamp had moved:
 * stamping both parents of a merge row, it moves the row to the first and then stops on a
 * KeyError in `HeadMaintainer._update_version` for the second, the table half stamped. Ours splits
 * the row into both parents (the other documented difference), so such a step is not compared.
 */
export function stampCrashedOnMovedRow(run: CommandRun): boolean {
  if (run.code !== 1 || !/self\.heads\.remove\(from_\)\nKeyError: /.test(run.stderr)) return false;
  const moved = new Set<string>();
  for (const m of run.stderr.matchAll(/\] Running stamp_revision (.*) -> \w+$/gm)) {
    const rows = m[1]! === '' ? [] : m[1]!.split(', ');
    if (rows.some((row) => moved.has(row))) return true;
    for (const row of rows) moved.add(row);
  }
  return false;
}
