/**
 * Walks over a generated revision graph (test/support/revision-graph-arbitrary.ts), dependencies
 * included as Alembic's `_get_ancestor_nodes` / `_get_descendant_nodes` include them: what the
 * differential test's exceptions use to tell whether two revisions are related.
 */
import type { GraphRevision } from './revision-graph-arbitrary.js';

/** The revision and everything it reaches along `next`. */
function reach(start: string, next: (id: string) => readonly string[]): Set<string> {
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length > 0) {
    for (const n of next(stack.pop()!)) {
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }
  return seen;
}

/** `id` and its ancestors: down revisions and depends_on, transitively. */
export function ancestorsOf(graph: readonly GraphRevision[], id: string): Set<string> {
  return reach(id, (x) => {
    const r = graph.find((g) => g.id === x);
    return r === undefined ? [] : [...r.down, ...r.dependsOn];
  });
}

/** `id` and its descendants: the revisions naming it as down revision or dependency, transitively. */
export function descendantsOf(graph: readonly GraphRevision[], id: string): Set<string> {
  return reach(id, (x) =>
    graph.filter((g) => g.down.includes(x) || g.dependsOn.includes(x)).map((g) => g.id),
  );
}
