import { describeStep, type MigrationStep, type StampStep, type VersionChange } from './migration-step.js';
import type { Revision } from './revision.js';
import {
  MultipleHeadsError,
  ResolutionError,
  RevisionError,
  STAMP_MULTIPLE_HEADS_MESSAGE,
} from './revision-errors.js';

/**
 * The revision graph: resolution of revision identifiers, upgrade/downgrade/stamp planning and
 * history ordering, with Alembic's semantics (`alembic/script/revision.py`, and the version-table
 * bookkeeping of `alembic/runtime/migration.py`'s `HeadMaintainer`).
 *
 * Internally every revision is a number (its position in the input), edges are adjacency arrays and
 * every traversal is an iterative walk over a `Uint8Array` of marks, so building the map is O(n + e)
 * and nothing recurses (a 10,000-long chain is fine).
 */

/** Stands for "below every base revision" in walks and downgrade targets. */
const BASE = -1;
/** `[label@][symbol](+|-)N`, as Alembic's `_relative_destination`. */
const RELATIVE = /^(?:(.+?)@)?(\w+)?([+-]\d+)$/;
/** Characters a revision identifier may not contain (sorted, for the error message). */
const ILLEGAL_CHARS = ['+', '-', ':', '@'];
/** Alembic 1.8.1's words for `downgrade -N` when the database has several heads. */
const AMBIGUOUS_DOWNGRADE_WARNING =
  'downgrade -1 from multiple heads is ambiguous; this usage will be disallowed in a future release.';

function relativeMessage(relative: string, steps: number): string {
  return `Relative revision ${relative} didn't produce ${Math.abs(steps)} migrations`;
}

function unique<T>(items: readonly T[]): T[] {
  return items.length < 2 ? [...items] : [...new Set(items)];
}

/** The rows of `alembic_version` while a plan is simulated; keeps row order stable for display. */
class VersionTable {
  readonly rows: number[];
  constructor(rows: readonly number[]) {
    this.rows = [...rows];
  }
  has(i: number): boolean {
    return this.rows.includes(i);
  }
  insert(i: number): void {
    this.rows.push(i);
  }
  delete(i: number): void {
    this.rows.splice(this.rows.indexOf(i), 1);
  }
  update(from: number, to: number): void {
    this.rows[this.rows.indexOf(from)] = to;
  }
  /** A merge: deletes every row of `from` but the last and moves that one to `to`; the changes. */
  mergeInto(from: readonly number[], to: number, id: (i: number) => string): VersionChange[] {
    const changes: VersionChange[] = [];
    for (const h of from.slice(0, -1)) {
      changes.push({ kind: 'delete', from: id(h) });
      this.delete(h);
    }
    const last = from[from.length - 1]!;
    changes.push({ kind: 'update', from: id(last), to: id(to) });
    this.update(last, to);
    return changes;
  }
}

export class RevisionMap {
  /** Revisions no other revision names as a down revision (depends_on makes no children); input order. */
  readonly heads: string[];
  /** Revisions without down revisions; input order. */
  readonly bases: string[];

  private readonly revs: Revision[];
  private readonly ids: string[];
  private readonly index = new Map<string, number>();
  private readonly labels = new Map<string, number>();
  /** Down revisions (versioned parents). */
  private readonly parents: number[][];
  /** Resolved depends_on. */
  private readonly deps: number[][];
  /** Parents then dependencies, de-duplicated. */
  private readonly allDown: number[][];
  /** Versioned children ("nextrev"). */
  private readonly nextrev: number[][];
  /** Children and dependents. */
  private readonly allUp: number[][];
  private readonly headIdx: number[];
  /** Heads that nothing depends on either: what `heads` resolves to. */
  private readonly realHeadIdx: number[];
  private readonly baseIdx: number[];
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
    this.heads = this.headIdx.map((i) => this.ids[i]!);
    this.bases = this.baseIdx.map((i) => this.ids[i]!);
    this.normalizedDown = new Array(n);
    this.detectCycles();
  }

  // ---------------------------------------------------------------- plain accessors

  /** The revision with exactly this id (no prefixes, labels or symbols). */
  get(id: string): Revision | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.revs[i];
  }

  /** Every revision, in input order. */
  all(): Revision[] {
    return [...this.revs];
  }

  get size(): number {
    return this.revs.length;
  }

  /** Ids of the revisions whose down revisions include `id` ("nextrev"). */
  children(id: string): string[] {
    return this.nextrev[this.exact(id)]!.map((i) => this.ids[i]!);
  }

  /** More than one revision names it as a down revision. */
  isBranchPoint(id: string): boolean {
    return this.nextrev[this.exact(id)]!.length > 1;
  }

  /** It has more than one down revision. */
  isMergePoint(id: string): boolean {
    return this.parents[this.exact(id)]!.length > 1;
  }

  isHead(id: string): boolean {
    return this.nextrev[this.exact(id)]!.length === 0;
  }

  /**
   * A head that no revision depends on either (Alembic's `_is_real_head`, what `heads` resolves
   * to). A head that is only depended on is an "effective head".
   */
  isRealHead(id: string): boolean {
    return this.allUp[this.exact(id)]!.length === 0;
  }

  isBase(id: string): boolean {
    return this.parents[this.exact(id)]!.length === 0;
  }

  /**
   * The branch labels that apply to a revision: those it declares plus those of its ancestors on the
   * same branch, and of the descendants whose branch it starts (Alembic propagates labels this way).
   */
  branchLabels(id: string): string[] {
    const i = this.exact(id);
    this.propagatedLabels ??= this.propagateLabels();
    return this.propagatedLabels[i]!;
  }

  /**
   * What `current` shows for these version-table rows (Alembic's `_get_all_current`): the rows and
   * every revision they need (down revisions and dependencies), kept where nothing applied builds
   * on them through a down revision. A row's dependency is applied with it yet has no row of its
   * own, so a depended-on head shows up here as current too. Rows first, in their order, then the
   * revisions they imply in file order (Alembic's set has no order).
   */
  allCurrent(rows: readonly string[]): string[] {
    const current = this.currentIdx(rows);
    const tips = this.branchTips(current);
    const implied = tips.filter((t) => !current.includes(t));
    return [...current.filter((r) => tips.includes(r)), ...implied].map((i) => this.ids[i]!);
  }

  /** True when `ancestor` is reachable from `descendant` through down revisions and depends_on. */
  isAncestor(ancestor: string, descendant: string): boolean {
    const a = this.ident(ancestor);
    const d = this.ident(descendant);
    return a !== d && this.ancestors([d])[a] === 1;
  }

  // ---------------------------------------------------------------- resolution

  /**
   * Resolves one identifier to revision ids: `head` (MultipleHeadsError when several), `heads`,
   * `base` (no revisions), a full id, a unique prefix of any length, a branch label, `label@head`,
   * `label@heads`, `label@base`, `label@<rev>` (the revision must be on that branch), `rev@head`,
   * `-N` / `label@-N` (N below each head).
   */
  resolve(id: string): string[] {
    return this.resolveAll(id).map((i) => this.ids[i]!);
  }

  /** Like `resolve`, for a single revision: undefined for `base`, MultipleHeadsError for several. */
  resolveOne(id: string): string | undefined {
    const i = this.resolveSingle(id);
    return i === BASE ? undefined : this.ids[i];
  }

  // ---------------------------------------------------------------- planning

  /**
   * The steps of `upgrade <target>` from the given version-table rows, in application order
   * (parents and dependencies first; each branch kept together). Empty when already there.
   */
  planUpgrade(currentHeads: readonly string[], target: string): MigrationStep[] {
    return this.withArgument(target, () => {
      const heads = this.currentIdx(currentHeads);
      const targets = this.parseUpgradeTarget(heads, target);
      this.checkOverlap(targets);
      this.checkOverlap(heads);
      const required = this.ancestors(targets);
      const done = this.ancestors(heads);
      const members = new Uint8Array(this.revs.length);
      for (let i = 0; i < members.length; i++) members[i] = required[i]! & (done[i]! ^ 1);
      return this.simulate(this.order(members, 'up'), 'up', heads);
    });
  }

  /**
   * The steps of `downgrade <target>`, children first. Removes what descends from the target and is
   * applied, never the target itself; `base` removes everything. `warn` receives the warnings
   * Alembic issues while planning (`-N` from several current heads).
   */
  planDowngrade(
    currentHeads: readonly string[],
    target: string,
    warn: (message: string) => void = () => {},
  ): MigrationStep[] {
    return this.withArgument(target, () => {
      const heads = this.currentIdx(currentHeads);
      const { label, rev } = this.parseDowngradeTarget(heads, target, warn);
      let roots = rev === BASE ? this.baseIdx : this.nextrev[rev]!;
      if (label !== undefined && roots.length > 1) {
        const onBranch = this.ancestors([this.branch(label)], false);
        roots = roots.filter((r) => onBranch[r] === 1);
        if (roots.length === 0) throw new RevisionError('Not a valid downgrade target from current heads');
      }
      const drop = this.descendants(roots);
      const active = this.ancestors(heads);
      const members = new Uint8Array(this.revs.length);
      let count = 0;
      for (let i = 0; i < members.length; i++) {
        members[i] = drop[i]! & active[i]!;
        count += members[i]!;
      }
      if (rev !== BASE && count === 0 && !heads.includes(rev)) {
        throw new RevisionError(`Destination ${target} is not a valid downgrade target from current head(s)`);
      }
      return this.simulate(this.order(members, 'down'), 'down', heads);
    });
  }

  /**
   * The steps of `stamp <target>...` (one target or several, as Alembic's `stamp` takes): each
   * target revision replaces the current rows related to the targets (ancestor or descendant);
   * unrelated rows stay; `base` deletes the rows (of `label@base`: that branch's rows).
   */
  planStamp(currentHeads: readonly string[], target: string | readonly string[]): StampStep[] {
    return this.stamp(currentHeads, typeof target === 'string' ? [target] : target).steps;
  }

  /** The version-table rows after `stamp <target>`. */
  stampHeads(currentHeads: readonly string[], target: string | readonly string[]): string[] {
    return this.stamp(currentHeads, typeof target === 'string' ? [target] : target).rows;
  }

  /**
   * Revisions for `history`, newest first (from the heads down to base). `lower`/`upper` default to
   * `base`/`heads` and take any identifier, plus `-N` for lower and `+N` (relative to lower) for
   * upper; `current` must be replaced by the caller beforehand. Both ends are included, and each
   * means on either side what it means to `get_revisions`: `head` is the single head (several:
   * MultipleHeadsError), `heads` all of them, `base` none (so `base:base` lists nothing).
   */
  history(lower?: string | readonly string[], upper?: string | readonly string[]): Revision[] {
    const lo = lower ?? 'base';
    const up = upper ?? 'heads';
    // A list (the database's rows, for `current`) means every revision in it, as a tuple to Alembic.
    const exact = (ids: readonly string[]) => ids.map((id) => this.ident(id));
    const shown = (end: string | readonly string[]) =>
      typeof end === 'string'
        ? end
        : `(${end.map((id) => `'${id}'`).join(', ')}${end.length === 1 ? ',' : ''})`;
    return this.withArgument(shown(up), () => {
      // Alembic parses the upper end first, so its error wins when both ends are wrong.
      const upperIdx = typeof up === 'string' ? this.historyUpper(up, lo) : exact(up);
      const lowerIdx = typeof lo === 'string' ? this.historyLower(lo) : exact(lo);
      // As Alembic's walks with check=True: neither end may list a revision with its ancestor.
      this.checkOverlap(upperIdx);
      this.checkOverlap(lowerIdx);
      const required = this.ancestors(upperIdx);
      if (lowerIdx.some((l) => required[l] !== 1)) {
        throw new RevisionError(
          `Requested range ${shown(lo)}:${shown(up)} does not refer to ancestor/descendant revisions along the same branch`,
        );
      }
      const done = this.ancestors(lowerIdx);
      const span = new Uint8Array(this.revs.length);
      for (let i = 0; i < span.length; i++) span[i] = required[i]! & (done[i]! ^ 1);
      for (const l of lowerIdx) span[l] = 1;
      // Order the whole span (it is convex, so every path between two members stays inside), then
      // keep what lies above the lower end along down revisions, as Alembic does.
      const ordered = this.order(span, 'down');
      if (lowerIdx.length === 0) return ordered.map((i) => this.revs[i]!);
      const above = this.descendants(lowerIdx, false);
      return ordered.filter((i) => above[i] === 1).map((i) => this.revs[i]!);
    });
  }

  // ================================================================ internals

  private exact(id: string): number {
    const i = this.index.get(id);
    if (i === undefined) throw new ResolutionError(`No such revision '${id}'`, id);
    return i;
  }

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
  private ancestors(starts: Iterable<number>, withDeps = true): Uint8Array {
    return this.reach(starts, withDeps ? this.allDown : this.parents);
  }

  private descendants(starts: Iterable<number>, withDeps = true): Uint8Array {
    return this.reach(starts, withDeps ? this.allUp : this.nextrev);
  }

  /** Everything that is an ancestor or a descendant of one of `starts` (Alembic's shared lineage). */
  private lineage(starts: number[], withDeps = false): Uint8Array {
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
  private order(members: Uint8Array, direction: 'up' | 'down'): number[] {
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
  private normDown(i: number): number[] {
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

  private lookup(key: string): number | undefined {
    return this.index.get(key) ?? this.labels.get(key);
  }

  /** Alembic's `_revision_for_ident`: exact id or label, else a unique prefix; optional branch check. */
  private ident(id: string, branch?: string): number {
    const branchRev = branch === undefined ? undefined : this.branch(branch);
    let found = this.lookup(id);
    if (found === undefined) {
      let keys = this.prefixMatches(id);
      if (branchRev !== undefined && keys.length > 0) {
        const onBranch = this.lineage([branchRev]);
        keys = keys.filter((k) => onBranch[this.lookup(k)!] === 1);
      }
      if (keys.length === 0) {
        const hint =
          id.length < 4
            ? '; please ensure at least four characters are present for partial revision identifier matches'
            : '';
        throw new ResolutionError(`No such revision or branch '${id}'${hint}`, id);
      }
      if (keys.length > 1) {
        const shown = keys
          .slice(0, 3)
          .map((k) => `'${k}'`)
          .join(', ');
        throw new ResolutionError(`Multiple revisions start with '${id}': ${shown}...`, id);
      }
      found = this.lookup(keys[0]!)!;
    }
    if (branchRev !== undefined && this.lineage([branchRev])[found] !== 1) {
      throw new ResolutionError(`Revision ${this.ids[found]} is not a member of branch '${branch}'`, id);
    }
    return found;
  }

  /** Ids, then labels, longer than three characters that start with `prefix`. */
  private prefixMatches(prefix: string): string[] {
    if (prefix === '') return [];
    const out: string[] = [];
    for (const id of this.ids) if (id.length > 3 && id.startsWith(prefix)) out.push(id);
    for (const label of this.labels.keys()) if (label.length > 3 && label.startsWith(prefix)) out.push(label);
    return out;
  }

  private branch(label: string): number {
    const hit = this.lookup(label);
    if (hit !== undefined) return hit;
    try {
      return this.ident(label);
    } catch (e) {
      if (e instanceof ResolutionError) throw new ResolutionError(`No such branch: '${label}'`, label);
      throw e;
    }
  }

  private filterLineage(targets: readonly number[], label: string): number[] {
    const onBranch = this.lineage([this.ident(label)]);
    return targets.filter((t) => onBranch[t] === 1);
  }

  private currentHead(label: string | undefined): number | undefined {
    const hs = label === undefined ? this.headIdx : this.filterLineage(this.headIdx, label);
    if (hs.length > 1) {
      throw new MultipleHeadsError(
        hs.map((i) => this.ids[i]!),
        label === undefined ? 'head' : `${label}@head`,
      );
    }
    return hs[0];
  }

  /** Alembic's `_resolve_revision_number`: symbolic names to id strings, plus the branch label. */
  private symbolic(id: string): { label: string | undefined; ids: string[] } {
    let label: string | undefined;
    let rest = id;
    const at = id.indexOf('@');
    if (at >= 0) {
      label = id.slice(0, at) || undefined;
      rest = id.slice(at + 1);
    }
    const names = (idx: readonly number[]) => idx.map((i) => this.ids[i]!);
    if (rest === 'heads') {
      return {
        label,
        ids: names(label === undefined ? this.realHeadIdx : this.filterLineage(this.headIdx, label)),
      };
    }
    if (rest === 'head') {
      const h = this.currentHead(label);
      return { label, ids: h === undefined ? [] : [this.ids[h]!] };
    }
    if (rest === 'base') return { label, ids: [] };
    return { label, ids: [rest] };
  }

  /** Alembic's `get_revisions`. */
  private resolveAll(id: string): number[] {
    const { label, ids } = this.symbolic(id);
    const only = ids.length === 1 ? ids[0]! : undefined;
    if (only !== undefined && /^-\d+$/.test(only)) {
      const steps = Number.parseInt(only, 10);
      const from =
        label === undefined
          ? this.realHeadIdx
          : this.realHeadIdx.filter((h) => this.branchLabels(this.ids[h]!).includes(label));
      const out: number[] = [];
      for (const h of from) {
        const r = this.walk(h, steps, undefined);
        if (r === null) throw new RevisionError(relativeMessage(only, steps));
        if (r !== BASE) out.push(r);
      }
      return unique(out);
    }
    return ids.map((x) => this.ident(x, label));
  }

  /** Alembic's `get_revision`: BASE for `base`. */
  private resolveSingle(id: string): number {
    const { label, ids } = this.symbolic(id);
    if (ids.length > 1) throw new MultipleHeadsError(ids, id);
    if (ids.length === 0) return BASE;
    return this.ident(ids[0]!, label);
  }

  /** The version-table rows as revision numbers (unknown rows: ResolutionError). */
  private currentIdx(currentHeads: readonly string[]): number[] {
    return unique(currentHeads.map((h) => this.ident(h)));
  }

  /** Report MultipleHeadsError with the command's argument, as Alembic's `_catch_revision_errors`. */
  private withArgument<T>(argument: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof MultipleHeadsError && e.argument !== argument)
        throw new MultipleHeadsError(e.heads, argument);
      throw e;
    }
  }

  /** A descendant listed together with one of its ancestors. */
  private checkOverlap(list: readonly number[]): void {
    if (list.length < 2) return;
    for (const t of list) {
      const above = this.ancestors([t]);
      const overlaps = list.filter((o) => o !== t && above[o] === 1);
      if (overlaps.length > 0) {
        throw new RevisionError(
          `Requested revision ${this.ids[t]} overlaps with other requested revisions ${overlaps.map((o) => this.ids[o]).join(', ')}`,
        );
      }
    }
  }

  /**
   * Walk `steps` up (children, optionally kept on `label`'s lineage) or down (down revisions, one
   * past the bases reaches BASE). Returns null when the walk runs out, or with `clamp` the last
   * position reached. Several ways to go: "Ambiguous walk".
   */
  private walk(start: number, steps: number, label: string | undefined, clamp = false): number | null {
    let cur = start;
    const onBranch = steps > 0 && label !== undefined ? this.lineage([this.ident(label)]) : undefined;
    for (let s = Math.abs(steps); s > 0; s--) {
      let next: readonly number[];
      if (steps > 0) {
        next = cur === BASE ? this.baseIdx : this.nextrev[cur]!;
        if (onBranch !== undefined) next = next.filter((j) => onBranch[j] === 1);
      } else if (cur === BASE) {
        next = [];
      } else {
        next = this.parents[cur]!.length > 0 ? this.parents[cur]! : [BASE];
      }
      if (next.length === 0) return clamp ? cur : null;
      if (next.length > 1) throw new RevisionError('Ambiguous walk');
      cur = next[0]!;
    }
    return cur;
  }

  /** The upgrade destination(s) (Alembic's `_parse_upgrade_target`). */
  private parseUpgradeTarget(heads: readonly number[], target: string): number[] {
    const m = RELATIVE.exec(target);
    if (m === null) return this.resolveAll(target);
    const label = m[1] || undefined;
    const symbol = m[2];
    const relative = m[3]!;
    const steps = Number.parseInt(relative, 10);
    if (steps > 0) {
      if (symbol !== undefined) {
        const r = this.walk(this.resolveSingle(symbol), steps, label);
        if (r === null) throw new RevisionError('Walked too far');
        return [r];
      }
      let start: number[] = heads.length > 0 ? [...heads] : [BASE];
      if (label !== undefined) {
        const onBranch = this.lineage([this.ident(label)]);
        start = start.filter((h) => h !== BASE && onBranch[h] === 1);
        if (start.length === 0) {
          // The branch is not among the current heads: start from its applied tip, or from base.
          const active = this.ancestors(heads);
          const applied: number[] = [];
          active.forEach((m, i) => {
            if (m === 1 && onBranch[i] === 1) applied.push(i);
          });
          const covered = new Set(applied.flatMap((i) => this.normDown(i)));
          start = applied.filter((i) => !covered.has(i));
          if (start.length === 0) start = [BASE];
        }
      }
      if (start.length > 1) throw new RevisionError('Ambiguous upgrade from multiple current revisions');
      const r = this.walk(start[0]!, steps, label);
      if (r === null) throw new RevisionError(relativeMessage(relative, steps));
      return [r];
    }
    if (symbol === undefined) throw new RevisionError(relativeMessage(String(steps), steps));
    const from = this.resolveSingle(label === undefined ? symbol : `${label}@${symbol}`);
    const r = this.walk(from, steps, undefined);
    if (r === null) throw new RevisionError('Walked too far');
    return r === BASE ? [] : [r];
  }

  /** The downgrade destination and branch (Alembic's `_parse_downgrade_target`). */
  private parseDowngradeTarget(
    heads: readonly number[],
    target: string,
    warn: (message: string) => void,
  ): { label: string | undefined; rev: number } {
    const m = RELATIVE.exec(target);
    if (m === null) {
      // As Alembic's `rpartition('@')`: the part after the last '@' is resolved on its own (so
      // `label@head` is the single head, whatever the label), the label only narrows what is removed.
      const at = target.lastIndexOf('@');
      return {
        label: at > 0 ? target.slice(0, at) : undefined,
        rev: this.resolveSingle(target.slice(at + 1)),
      };
    }
    let label = m[1] || undefined;
    let symbol = m[2];
    const relative = m[3]!;
    const steps = Number.parseInt(relative, 10);
    if (steps >= 0) {
      if (symbol === undefined) throw new RevisionError(relativeMessage(relative, steps));
      const r = this.walk(this.resolveSingle(symbol), steps, label);
      if (r === null) throw new RevisionError('Walked too far');
      return { label, rev: r };
    }
    const fromCurrent = symbol === undefined;
    if (symbol === undefined) {
      if (label !== undefined) {
        let onBranch = this.filterLineage(heads, label);
        if (onBranch.length === 0) {
          // The branch's tip may be implied by (a dependency of) another current head.
          onBranch = this.filterLineage(this.branchTips(heads), label);
        }
        if (onBranch.length === 0) throw new RevisionError(relativeMessage(relative, steps));
        if (onBranch.length > 1) throw new RevisionError('Ambiguous walk');
        symbol = this.ids[onBranch[0]!]!;
      } else {
        if (heads.length === 0) throw new RevisionError(relativeMessage(relative, steps));
        // Alembic walks from the first row, warning (a Python UserWarning, not an error) that the
        // choice is arbitrary when there are several.
        if (heads.length > 1) warn(AMBIGUOUS_DOWNGRADE_WARNING);
        symbol = this.ids[heads[0]!]!;
        label = symbol;
      }
    }
    const from = this.resolveSingle(label === undefined ? symbol : `${label}@${symbol}`);
    const r = this.walk(from, steps, undefined);
    if (r === null)
      throw new RevisionError(fromCurrent ? relativeMessage(relative, steps) : 'Walked too far');
    return { label, rev: r };
  }

  /**
   * Alembic's `_filter_into_branch_heads` of everything the rows need: the applied revisions that
   * no applied revision builds on through a down revision (a dependant does not count).
   */
  private branchTips(rows: readonly number[]): number[] {
    const applied = this.ancestors(rows);
    const tips: number[] = [];
    applied.forEach((m, i) => {
      if (m === 1 && !this.nextrev[i]!.some((c) => applied[c] === 1)) tips.push(i);
    });
    return tips;
  }

  private historyLower(lower: string): number[] {
    const m = RELATIVE.exec(lower);
    if (m === null) return this.resolveAll(lower);
    const label = m[1] || undefined;
    const symbol = m[2];
    const steps = Number.parseInt(m[3]!, 10);
    let starts: number[];
    if (symbol !== undefined) {
      starts = [this.resolveSingle(label === undefined || steps > 0 ? symbol : `${label}@${symbol}`)];
    } else if (steps < 0) {
      starts = label === undefined ? this.realHeadIdx : this.filterLineage(this.realHeadIdx, label);
    } else {
      return this.resolveAll(lower);
    }
    const out = starts.map((s) => this.walk(s, steps, steps > 0 ? label : undefined, true)!);
    return unique(out.filter((r) => r !== BASE));
  }

  /** The upper end; `+N` walks up from the lower end, taken as Alembic's `_walk` takes it: one revision. */
  private historyUpper(upper: string, lower: string | readonly string[]): number[] {
    const m = RELATIVE.exec(upper);
    if (m === null) return this.resolveAll(upper);
    const label = m[1] || undefined;
    const symbol = m[2];
    const relative = m[3]!;
    const steps = Number.parseInt(relative, 10);
    let start: number;
    if (symbol !== undefined) {
      start = this.resolveSingle(label === undefined || steps > 0 ? symbol : `${label}@${symbol}`);
    } else {
      if (steps <= 0) throw new RevisionError(relativeMessage(String(steps), steps));
      // `heads:+1` with several heads is MultipleHeadsError, `-1:+1` an unknown revision '-1';
      // from several rows (`current:+1`) the walk is ambiguous, as Alembic's upgrade from them.
      if (typeof lower !== 'string' && lower.length > 1) {
        throw new RevisionError('Ambiguous upgrade from multiple current revisions');
      }
      start = typeof lower === 'string' ? this.resolveSingle(lower) : this.ident(lower[0]!);
    }
    const r = this.walk(start, steps, steps > 0 ? label : undefined, true)!;
    return r === BASE ? [] : [r];
  }

  /**
   * Turns an ordered list of revisions into steps, simulating the version table to find each step's
   * statements (Alembic's `HeadMaintainer.update_to_step` with `RevisionStep`'s should_* rules).
   */
  private simulate(order: number[], direction: 'up' | 'down', heads: readonly number[]): MigrationStep[] {
    const table = new VersionTable(heads);
    const cache = new Map<number, Uint8Array>();
    const ancestorsOf = (i: number): Uint8Array => {
      let marks = cache.get(i);
      if (marks === undefined) {
        marks = this.ancestors([i]);
        cache.set(i, marks);
      }
      return marks;
    };
    const id = (i: number) => this.ids[i]!;
    const steps: MigrationStep[] = [];
    for (const i of order) {
      const down = this.normDown(i);
      const changes: VersionChange[] = [];
      if (direction === 'up') {
        const present = down.filter((d) => table.has(d));
        if (present.length === 0) {
          // A base, or a branch whose parent row has moved on: new row.
          changes.push({ kind: 'insert', to: id(i) });
          table.insert(i);
        } else if (present.length === 1) {
          changes.push({ kind: 'update', from: id(present[0]!), to: id(i) });
          table.update(present[0]!, i);
        } else {
          // Merge: delete all parent rows but one, move that one.
          const others = table.rows.filter((h) => !down.includes(h)).map(ancestorsOf);
          let merged = present.filter((d) => !others.some((a) => a[d] === 1));
          if (merged.length === 0) merged = present;
          changes.push(...table.mergeInto(merged, i, id));
        }
      } else {
        if (!table.has(i)) {
          throw new RevisionError(`Revision ${id(i)} is not in the version table; can't plan its downgrade`);
        }
        // The rows that must appear: down revisions not implied by another row or by each other.
        const others = table.rows.filter((h) => h !== i).map(ancestorsOf);
        let to = down.filter((d) => !others.some((a) => a[d] === 1));
        if (to.length > 1) to = to.filter((d) => !to.some((t) => t !== d && ancestorsOf(t)[d] === 1));
        if (to.length === 0) {
          changes.push({ kind: 'delete', from: id(i) });
          table.delete(i);
        } else {
          for (const t of to.slice(0, -1)) {
            changes.push({ kind: 'insert', to: id(t) });
            table.insert(t);
          }
          const last = to[to.length - 1]!;
          changes.push({ kind: 'update', from: id(i), to: id(last) });
          table.update(i, last);
        }
      }
      const revision = this.revs[i]!;
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
  private stamp(
    currentHeads: readonly string[],
    targets: readonly string[],
  ): { steps: StampStep[]; rows: string[] } {
    const argument = targets.join(' ');
    try {
      const heads = this.currentIdx(currentHeads);
      const revisions = targets.length > 0 ? targets : ['base'];
      const filtered: number[] = [];
      for (const target of revisions) {
        if (target === '') continue;
        const { label, ids } = this.symbolic(target);
        const shares = [...(label === undefined ? [] : [label]), ...ids];
        for (const h of heads) {
          if (shares.length === 0) {
            filtered.push(h);
            continue;
          }
          // Every share is resolved (an unknown one fails) before any is tested, as in Alembic.
          const resolved = shares.map((x) => this.ident(x));
          const related = this.lineage([h], true);
          if (resolved.some((x) => related[x] === 1)) filtered.push(h);
        }
      }
      const from = unique(filtered);
      const dests = revisions.flatMap((t) => this.stampDestinations(t));
      if (dests.includes(BASE))
        throw new RevisionError('A relative stamp target reaches base: nothing to stamp');

      const table = new VersionTable(heads);
      const steps: StampStep[] = [];
      const id = (i: number) => this.ids[i]!;
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
            table.delete(h);
            step([h], undefined, 'down', [{ kind: 'delete', from: id(h) }]);
          }
          continue;
        }
        if (from.includes(dest)) continue;
        const below = this.descendants([dest]);
        const above = this.ancestors([dest]);
        const upgrade = !from.some((h) => below[h] === 1);
        // Deliberately unlike Alembic, which moves every filtered row (so `stamp heads` from a row
        // at one head and a row below another deletes the first): only the rows related to this
        // target move.
        const moving = from.filter((h) => (upgrade ? above : below)[h] === 1);
        if (moving.length === 0) {
          // A branch the rows do not represent: a new row.
          if (table.has(dest))
            throw new RevisionError(`Can't stamp: revision ${id(dest)} is already in the version table`);
          table.insert(dest);
          step([], dest, 'up', [{ kind: 'insert', to: id(dest) }]);
          continue;
        }
        if (table.has(dest))
          throw new RevisionError(`Can't stamp: revision ${id(dest)} is already in the version table`);
        const changes: VersionChange[] = [];
        // Rows an earlier target already moved are gone: the rest merge into this one, or none is
        // left and it is a new row.
        const present = upgrade ? moving.filter((h) => table.has(h)) : moving;
        if (present.length === 0) {
          changes.push({ kind: 'insert', to: id(dest) });
          table.insert(dest);
        } else {
          for (const h of present) missing(h);
          changes.push(...table.mergeInto(present, dest, id));
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

  /**
   * What `get_revisions` gives `stamp` for one target: `-N` / `label@-N` walk down from the heads
   * and a walk past the bases stands for base (no revision); landing exactly on base is refused.
   */
  private stampDestinations(target: string): number[] {
    const { label, ids } = this.symbolic(target);
    const only = ids.length === 1 ? ids[0]! : undefined;
    if (only === undefined || !/^-\d+$/.test(only)) return this.resolveAll(target);
    const steps = Number.parseInt(only, 10);
    const from =
      label === undefined
        ? this.realHeadIdx
        : this.realHeadIdx.filter((h) => this.branchLabels(this.ids[h]!).includes(label));
    // Every walk first (an ambiguous one fails first); duplicates are kept, as Alembic keeps them
    // (the second stamp of one revision then fails).
    // Landing on base gives BASE, refused by the caller once every target is resolved.
    const walked = from.map((h) => this.walk(h, steps, undefined));
    return walked.filter((r): r is number => r !== null);
  }

  /**
   * Each labelled revision's labels go to its descendants, and down through its ancestors until a
   * branch point or merge point (as Alembic's `_add_branches`).
   */
  private propagateLabels(): string[][] {
    const sets = this.revs.map(() => new Set<string>());
    for (const [label, i] of this.labels) {
      this.descendants([i], false).forEach((m, k) => {
        if (m === 1) sets[k]!.add(label);
      });
      if (this.allUp[i]!.length > 1 || this.parents[i]!.length !== 1) continue;
      let p: number | undefined = this.parents[i]![0];
      while (p !== undefined && this.allUp[p]!.length <= 1 && this.parents[p]!.length <= 1) {
        sets[p]!.add(label);
        p = this.parents[p]![0];
      }
    }
    return sets.map((s) => [...s]);
  }
}
