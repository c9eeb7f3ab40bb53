import type { Revision } from './revision.js';
import { ResolutionError, RevisionError } from './revision-errors.js';

/**
 * The revision graph itself, as `RevisionMap` (revision-map.ts) builds on it: construction and
 * validation (illegal characters, duplicates, labels, missing parents and dependencies, cycles),
 * the indices and adjacency arrays, and the walks over them (reach, ancestors, descendants,
 * lineage, topological order, normalized down revisions, branch tips, propagated branch labels).
 *
 * Internally every revision is a number (its position in the input), edges are adjacency arrays and
 * every traversal is an iterative walk over a `Uint8Array` of marks, so building the map is O(n + e)
 * and nothing recurses (a 10,000-long chain is fine).
 */

/** Stands for "below every base revision" in walks and downgrade targets. */
export const BASE = -1;
/** Characters a revision identifier may not contain (sorted, for the error message). */
const ILLEGAL_CHARS = ['+', '-', ':', '@'];

export function unique<T>(items: readonly T[]): T[] {
  return items.length < 2 ? [...items] : [...new Set(items)];
}

export class RevisionGraph {
  readonly revs: Revision[];
  readonly ids: string[];
  readonly index = new Map<string, number>();
  readonly labels = new Map<string, number>();
  /** Down revisions (versioned parents). */
  readonly parents: number[][];
  /** Resolved depends_on. */
  readonly deps: number[][];
  /** Parents then dependencies, de-duplicated. */
  readonly allDown: number[][];
  /** Versioned children ("nextrev"). */
  readonly nextrev: number[][];
  /** Children and dependents. */
  readonly allUp: number[][];
  readonly headIdx: number[];
  /** Heads that nothing depends on either: what `heads` resolves to. */
  readonly realHeadIdx: number[];
  readonly baseIdx: number[];
  private readonly normalizedDown: (number[] | undefined)[];
  private propagatedLabels: string[][] | undefined;

  /** @throws RevisionError for duplicate ids, missing parents or dependencies, bad labels, cycles. */
  constructor(revisions: readonly Revision[]) {
    const n = revisions.length;
    this.revs = [...revisions];
    this.ids = this.revs.map((r) => r.revision);
    for (let i = 0; i < n; i++) {
      const id = this.ids[i]!;
      const bad = ILLEGAL_CHARS.filter((c) => id.includes(c));
      if (bad.length > 0) {
        throw new RevisionError(
          `Character(s) '${bad.join(', ')}' not allowed in revision identifier '${id}'`,
        );
      }
      if (this.index.has(id)) throw new RevisionError(`Revision ${id} is present more than once`);
      this.index.set(id, i);
    }
    for (let i = 0; i < n; i++) {
      for (const label of this.revs[i]!.branchLabels) {
        const other = this.index.get(label) ?? this.labels.get(label);
        if (other !== undefined) {
          throw new RevisionError(
            `Branch name '${label}' in revision ${this.ids[i]} already used by revision ${this.ids[other]}`,
          );
        }
        this.labels.set(label, i);
      }
    }

    this.parents = [];
    this.deps = [];
    this.allDown = [];
    this.nextrev = this.revs.map(() => []);
    this.allUp = this.revs.map(() => []);
    for (let i = 0; i < n; i++) {
      const r = this.revs[i]!;
      if (r.downRevisions.includes(r.revision)) {
        throw new RevisionError(`Self-loop is detected in revisions (${r.revision})`);
      }
      const parents = unique(r.downRevisions).map((p) => {
        const j = this.index.get(p);
        if (j === undefined)
          throw new RevisionError(`Revision ${p} referenced from ${r.revision} is not present`);
        return j;
      });
      const deps = unique(
        r.dependsOn.map((d) => {
          const j = this.index.get(d) ?? this.labels.get(d);
          if (j === undefined)
            throw new RevisionError(`Revision ${d} referenced from ${r.revision} is not present`);
          if (j === i)
            throw new RevisionError(`Dependency self-loop is detected in revisions (${r.revision})`);
          return j;
        }),
      );
      this.parents.push(parents);
      this.deps.push(deps);
      this.allDown.push(deps.length === 0 ? parents : unique([...parents, ...deps]));
      for (const p of parents) this.nextrev[p]!.push(i);
      for (const p of this.allDown[i]!) this.allUp[p]!.push(i);
    }
    this.headIdx = [];
    this.realHeadIdx = [];
    this.baseIdx = [];
    for (let i = 0; i < n; i++) {
      if (this.nextrev[i]!.length === 0) this.headIdx.push(i);
      if (this.allUp[i]!.length === 0) this.realHeadIdx.push(i);
      if (this.parents[i]!.length === 0) this.baseIdx.push(i);
    }
    this.normalizedDown = new Array(n);
    this.detectCycles();
  }

  // ---------------------------------------------------------------- indices

  /** The number of the revision with exactly this id (unknown: ResolutionError). */
  exact(id: string): number {
    const i = this.index.get(id);
    if (i === undefined) throw new ResolutionError(`No such revision '${id}'`, id);
    return i;
  }

  /** The number of the revision with this exact id or branch label. */
  lookup(key: string): number | undefined {
    return this.index.get(key) ?? this.labels.get(key);
  }

  /** The branch labels that apply to revision `i` (see `RevisionMap.branchLabels`). */
  labelsOf(i: number): string[] {
    this.propagatedLabels ??= this.propagateLabels();
    return this.propagatedLabels[i]!;
  }

  // ---------------------------------------------------------------- walks

  private detectCycles(): void {
    const leftover = (down: number[][], up: number[][]): number[] => {
      const pending = Int32Array.from(down, (d) => d.length);
      const ready: number[] = [];
      pending.forEach((p, i) => {
        if (p === 0) ready.push(i);
      });
      let seen = 0;
      while (ready.length > 0) {
        const i = ready.pop()!;
        seen++;
        for (const j of up[i]!) if (--pending[j]! === 0) ready.push(j);
      }
      if (seen === down.length) return [];
      const rest: number[] = [];
      pending.forEach((p, i) => {
        if (p > 0) rest.push(i);
      });
      return rest;
    };
    const names = (rest: number[]) =>
      rest
        .map((i) => this.ids[i]!)
        .sort()
        .join(', ');
    let rest = leftover(this.parents, this.nextrev);
    if (rest.length > 0) throw new RevisionError(`Cycle is detected in revisions (${names(rest)})`);
    rest = leftover(this.allDown, this.allUp);
    if (rest.length > 0)
      throw new RevisionError(`Dependency cycle is detected in revisions (${names(rest)})`);
  }

  /** Marks everything reachable from `starts` (included) along `edges`. */
  private reach(starts: Iterable<number>, edges: number[][]): Uint8Array {
    const marks = new Uint8Array(this.revs.length);
    const stack: number[] = [];
    for (const s of starts) {
      if (s >= 0 && marks[s] === 0) {
        marks[s] = 1;
        stack.push(s);
      }
    }
    while (stack.length > 0) {
      const i = stack.pop()!;
      for (const j of edges[i]!) {
        if (marks[j] === 0) {
          marks[j] = 1;
          stack.push(j);
        }
      }
    }
    return marks;
  }

  /** The revisions and all their ancestors (following depends_on too unless `withDeps` is false). */
  ancestors(starts: Iterable<number>, withDeps = true): Uint8Array {
    return this.reach(starts, withDeps ? this.allDown : this.parents);
  }

  descendants(starts: Iterable<number>, withDeps = true): Uint8Array {
    return this.reach(starts, withDeps ? this.allUp : this.nextrev);
  }

  /** Everything that is an ancestor or a descendant of one of `starts` (Alembic's shared lineage). */
  lineage(starts: number[], withDeps = false): Uint8Array {
    const marks = this.ancestors(starts, withDeps);
    const down = this.descendants(starts, withDeps);
    for (let i = 0; i < marks.length; i++) marks[i]! |= down[i]!;
    return marks;
  }

  /**
   * The marked revisions in dependency order. 'up': parents and dependencies first (application
   * order); 'down': children and dependents first. Depth-first among ready revisions, so a branch is
   * finished before the next one starts; ties go to input order (first parent first going down).
   */
  order(members: Uint8Array, direction: 'up' | 'down'): number[] {
    const n = this.revs.length;
    const before = direction === 'up' ? this.allDown : this.allUp;
    const after = direction === 'up' ? this.allUp : this.allDown;
    const pending = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (members[i] === 0) continue;
      for (const j of before[i]!) if (members[j] === 1) pending[i]!++;
    }
    const stack: number[] = [];
    for (let i = n - 1; i >= 0; i--) if (members[i] === 1 && pending[i] === 0) stack.push(i);
    const out: number[] = [];
    while (stack.length > 0) {
      const i = stack.pop()!;
      out.push(i);
      const next = after[i]!;
      for (let k = next.length - 1; k >= 0; k--) {
        const j = next[k]!;
        if (members[j] === 1 && --pending[j]! === 0) stack.push(j);
      }
    }
    return out;
  }

  /**
   * Down revisions plus the dependencies not already declared by an ancestor (Alembic's
   * `_normalized_down_revisions`): what the version table moves from/to.
   */
  normDown(i: number): number[] {
    const cached = this.normalizedDown[i];
    if (cached !== undefined) return cached;
    const deps = this.deps[i]!;
    let result = this.parents[i]!;
    if (deps.length > 0) {
      const above = this.ancestors([i], false);
      above[i] = 0;
      const implied = new Set<number>();
      above.forEach((m, k) => {
        if (m === 1) for (const d of this.deps[k]!) implied.add(d);
      });
      result = unique([...result, ...deps.filter((d) => !implied.has(d))]);
    }
    this.normalizedDown[i] = result;
    return result;
  }

  /**
   * Alembic's `_filter_into_branch_heads` of everything the rows need: the applied revisions that
   * no applied revision builds on through a down revision (a dependant does not count).
   */
  branchTips(rows: readonly number[]): number[] {
    const applied = this.ancestors(rows);
    const tips: number[] = [];
    applied.forEach((m, i) => {
      if (m === 1 && !this.nextrev[i]!.some((c) => applied[c] === 1)) tips.push(i);
    });
    return tips;
  }

  /**
   * Each labelled revision's labels go to its descendants, and down through its ancestors until a
   * branch point or merge point — but only when its descendants are one plain chain. Alembic's
   * `_add_branches` walks down from the LAST descendant its depth-first search yields (a loop
   * variable outliving its loop): from any such revision the walk meets a branch point (counting
   * dependents) or merge point at or above the labelled revision, unless there is none among them.
   */
  private propagateLabels(): string[][] {
    const sets = this.revs.map(() => new Set<string>());
    for (const [label, i] of this.labels) {
      let chain = true;
      this.descendants([i], false).forEach((m, k) => {
        if (m !== 1) return;
        sets[k]!.add(label);
        if (this.allUp[k]!.length > 1 || this.parents[k]!.length > 1) chain = false;
      });
      if (!chain || this.parents[i]!.length !== 1) continue;
      let p: number | undefined = this.parents[i]![0];
      while (p !== undefined && this.allUp[p]!.length <= 1 && this.parents[p]!.length <= 1) {
        sets[p]!.add(label);
        p = this.parents[p]![0];
      }
    }
    return sets.map((s) => [...s]);
  }
}
