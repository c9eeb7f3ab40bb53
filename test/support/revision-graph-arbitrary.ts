/**
 * fast-check arbitrary for revision graphs, for tests that run the same graph through two tools:
 * 2–12 revisions in file order (each one's down revisions come earlier), made of bases, children
 * (several children of one parent make branches), merges of two unrelated revisions, branch labels
 * and depends_on on a revision that is not already an ancestor. Ids are 12 hex digits starting
 * with one of three shared stems, so short prefixes are sometimes ambiguous. Built from plain
 * numbers, so counterexamples shrink to small graphs.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';

export interface GraphRevision {
  id: string;
  down: string[];
  branchLabels: string[];
  dependsOn: string[];
  message: string;
  /** Its upgrade creates a table `t_<id>` (its downgrade drops it); otherwise both do nothing. */
  createsTable: boolean;
}

const STEMS = ['abcd', 'abce', 'bcde'];

interface Choice {
  shape: 'base' | 'child' | 'merge';
  a: number;
  b: number;
  dep: number | null;
  label: boolean;
  table: boolean;
  stem: number;
}

const choice: fc.Arbitrary<Choice> = fc.record({
  shape: fc.oneof(
    { arbitrary: fc.constant('child' as const), weight: 6 },
    { arbitrary: fc.constant('merge' as const), weight: 2 },
    { arbitrary: fc.constant('base' as const), weight: 1 },
  ),
  a: fc.nat(),
  b: fc.nat(),
  dep: fc.option(fc.nat(), { freq: 5 }),
  label: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
  table: fc.boolean(),
  stem: fc.nat({ max: STEMS.length - 1 }),
});

function build(salt: number, choices: Choice[]): GraphRevision[] {
  const out: GraphRevision[] = [];
  const ancestors: Set<number>[] = [];
  choices.forEach((c, i) => {
    const id = STEMS[c.stem]! + createHash('sha1').update(`${salt}-${i}`).digest('hex').slice(0, 8);
    const parents: number[] = [];
    if (i > 0 && c.shape !== 'base') {
      const p = c.a % i;
      parents.push(p);
      const q = c.b % i;
      // A merge joins two revisions neither of which is the other's ancestor.
      if (c.shape === 'merge' && q !== p && !ancestors[p]!.has(q) && !ancestors[q]!.has(p)) parents.push(q);
    }
    const mine = new Set<number>();
    for (const p of parents) {
      mine.add(p);
      for (const x of ancestors[p]!) mine.add(x);
    }
    const deps: number[] = [];
    if (c.dep !== null && i > 0) {
      const d = c.dep % i;
      if (!mine.has(d)) deps.push(d);
    }
    for (const d of deps) {
      mine.add(d);
      for (const x of ancestors[d]!) mine.add(x);
    }
    ancestors.push(mine);
    out.push({
      id,
      down: parents.map((p) => out[p]!.id),
      branchLabels: c.label ? [`lbl${i}`] : [],
      dependsOn: deps.map((d) => out[d]!.id),
      message: `rev ${i}`,
      createsTable: c.table,
    });
  });
  return out;
}

export const revisionGraph: fc.Arbitrary<GraphRevision[]> = fc
  .tuple(fc.nat({ max: 9999 }), fc.array(choice, { minLength: 2, maxLength: 12 }))
  .map(([salt, choices]) => build(salt, choices));

/** The graph as one line per revision, for failure reports. */
export function describeGraph(graph: readonly GraphRevision[]): string {
  return graph
    .map((r) => {
      const parts = [`${r.id} <- ${r.down.length ? r.down.join(', ') : '<base>'}`];
      if (r.dependsOn.length) parts.push(`depends_on ${r.dependsOn.join(', ')}`);
      if (r.branchLabels.length) parts.push(`labels ${r.branchLabels.join(', ')}`);
      if (r.createsTable) parts.push('creates a table');
      return parts.join('; ');
    })
    .join('\n');
}
