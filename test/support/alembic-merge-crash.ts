/**
 * Recognises, in Alembic's log of an upgrade, a crash of Alembic 1.8.1 that ours deliberately does
 * not copy (README, "Where it differs from Alembic"): a merge revision whose down revisions include
 * one that a dependency of the same revision descends from (`M <- A, B; depends_on C` with
 * `C <- A`). By the time M runs, C has replaced A's row; `RevisionStep.merge_branch_idents` still
 * names A among the rows to delete (or to update), since it subtracts only the ancestors of the
 * rows outside M's down revisions, and `HeadMaintainer._delete_version` (or `_update_version`)
 * stops on `self.heads.remove(A)`: a KeyError and a traceback, after committing the steps before
 * it. Ours merges the rows that are there (B and C) into M. Such a step is not compared.
 */
import { ancestorsOf } from './graph-lineage.js';
import type { GraphRevision } from './revision-graph-arbitrary.js';
import type { CommandRun } from './tool-run.js';

/** The KeyError of the merge branch of `HeadMaintainer.update_to_step`, with the missing row. */
const MERGE_KEY_ERROR =
  /in update_to_step\n\s+self\._(?:delete_version\(delrev\)|update_version\(update_from_rev, update_to_rev\))\n.*\n\s+self\.heads\.remove\(\w+\)\n(?:.*\n)*?KeyError: '(\w+)'/;

/**
 * True when Alembic crashed merging into a revision M (its last `Running upgrade ... -> M`) on a
 * row K that is one of M's down revisions or dependencies and an ancestor of another of them — the
 * row an earlier step of the same upgrade had moved on.
 */
export function mergeCrashedOnMovedRow(graph: readonly GraphRevision[], run: CommandRun): boolean {
  if (run.code !== 1) return false;
  const missing = MERGE_KEY_ERROR.exec(run.stderr)?.[1];
  const merged = [...run.stderr.matchAll(/\] Running upgrade .* -> (\w+),/g)].at(-1)?.[1];
  if (missing === undefined || merged === undefined) return false;
  const m = graph.find((r) => r.id === merged);
  if (m === undefined) return false;
  const downs = [...m.down, ...m.dependsOn];
  return downs.includes(missing) && downs.some((d) => d !== missing && ancestorsOf(graph, d).has(missing));
}
