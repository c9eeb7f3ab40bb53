import type { MigrationStep, StampStep } from './migration-step.js';
import type { Revision } from './revision.js';
import { MultipleHeadsError, RevisionError } from './revision-errors.js';
import { BASE, RevisionGraph } from './revision-graph.js';
import {
  branchRevision,
  currentIdx,
  filterLineage,
  ident,
  resolveAll,
  resolveSingle,
} from './revision-resolution.js';
import { historyLower, historyUpper, parseDowngradeTarget, parseUpgradeTarget } from './revision-targets.js';
import { planStampSteps, simulate } from './step-planning.js';

/**
 * The revision graph: resolution of revision identifiers, upgrade/downgrade/stamp planning and
 * history ordering, with Alembic's semantics (`alembic/script/revision.py`, and the version-table
 * bookkeeping of `alembic/runtime/migration.py`'s `HeadMaintainer`).
 *
 * `RevisionMap` is the public face; the work is done by: revision-graph.ts (the graph, its
 * validation and walks), revision-resolution.ts (identifiers, symbolic names, `walk`),
 * revision-targets.ts (upgrade/downgrade destinations, history ends, stamp destinations) and
 * step-planning.ts (the simulated version table, upgrade/downgrade and stamp steps).
 */

export class RevisionMap {
  /** Revisions no other revision names as a down revision (depends_on makes no children); input order. */
  readonly heads: string[];
  /** Revisions without down revisions; input order. */
  readonly bases: string[];

  private readonly g: RevisionGraph;

  /** @throws RevisionError for duplicate ids, missing parents or dependencies, bad labels, cycles. */
  constructor(revisions: readonly Revision[]) {
    this.g = new RevisionGraph(revisions);
    this.heads = this.g.headIdx.map((i) => this.g.ids[i]!);
    this.bases = this.g.baseIdx.map((i) => this.g.ids[i]!);
  }

  // ---------------------------------------------------------------- plain accessors

  /** The revision with exactly this id (no prefixes, labels or symbols). */
  get(id: string): Revision | undefined {
    const i = this.g.index.get(id);
    return i === undefined ? undefined : this.g.revs[i];
  }

  /** Every revision, in input order. */
  all(): Revision[] {
    return [...this.g.revs];
  }

  get size(): number {
    return this.g.revs.length;
  }

  /** Ids of the revisions whose down revisions include `id` ("nextrev"). */
  children(id: string): string[] {
    return this.g.nextrev[this.g.exact(id)]!.map((i) => this.g.ids[i]!);
  }

  /** More than one revision names it as a down revision. */
  isBranchPoint(id: string): boolean {
    return this.g.nextrev[this.g.exact(id)]!.length > 1;
  }

  /** It has more than one down revision. */
  isMergePoint(id: string): boolean {
    return this.g.parents[this.g.exact(id)]!.length > 1;
  }

  isHead(id: string): boolean {
    return this.g.nextrev[this.g.exact(id)]!.length === 0;
  }

  /**
   * A head that no revision depends on either (Alembic's `_is_real_head`, what `heads` resolves
   * to). A head that is only depended on is an "effective head".
   */
  isRealHead(id: string): boolean {
    return this.g.allUp[this.g.exact(id)]!.length === 0;
  }

  isBase(id: string): boolean {
    return this.g.parents[this.g.exact(id)]!.length === 0;
  }

  /**
   * The branch labels that apply to a revision: those it declares plus those of its ancestors on the
   * same branch, and of the descendants whose branch it starts (Alembic propagates labels this way).
   */
  branchLabels(id: string): string[] {
    return this.g.labelsOf(this.g.exact(id));
  }

  /**
   * What `current` shows for these version-table rows (Alembic's `_get_all_current`): the rows and
   * every revision they need (down revisions and dependencies), kept where nothing applied builds
   * on them through a down revision. A row's dependency is applied with it yet has no row of its
   * own, so a depended-on head shows up here as current too. Rows first, in their order, then the
   * revisions they imply in file order (Alembic's set has no order).
   */
  allCurrent(rows: readonly string[]): string[] {
    const current = currentIdx(this.g, rows);
    const tips = this.g.branchTips(current);
    const implied = tips.filter((t) => !current.includes(t));
    return [...current.filter((r) => tips.includes(r)), ...implied].map((i) => this.g.ids[i]!);
  }

  /** True when `ancestor` is reachable from `descendant` through down revisions and depends_on. */
  isAncestor(ancestor: string, descendant: string): boolean {
    const a = ident(this.g, ancestor);
    const d = ident(this.g, descendant);
    return a !== d && this.g.ancestors([d])[a] === 1;
  }

  // ---------------------------------------------------------------- resolution

  /**
   * Resolves one identifier to revision ids: `head` (MultipleHeadsError when several), `heads`,
   * `base` (no revisions), a full id, a unique prefix of any length, a branch label, `label@head`,
   * `label@heads`, `label@base`, `label@<rev>` (the revision must be on that branch), `rev@head`,
   * `-N` / `label@-N` (N below each head).
   */
  resolve(id: string): string[] {
    return resolveAll(this.g, id).map((i) => this.g.ids[i]!);
  }

  /** Like `resolve`, for a single revision: undefined for `base`, MultipleHeadsError for several. */
  resolveOne(id: string): string | undefined {
    const i = resolveSingle(this.g, id);
    return i === BASE ? undefined : this.g.ids[i];
  }

  // ---------------------------------------------------------------- planning

  /**
   * The steps of `upgrade <target>` from the given version-table rows, in application order
   * (parents and dependencies first; each branch kept together). Empty when already there.
   */
  planUpgrade(currentHeads: readonly string[], target: string): MigrationStep[] {
    return this.withArgument(target, () => {
      const heads = currentIdx(this.g, currentHeads);
      const targets = parseUpgradeTarget(this.g, heads, target);
      this.checkOverlap(targets);
      this.checkOverlap(heads);
      const required = this.g.ancestors(targets);
      const done = this.g.ancestors(heads);
      const members = new Uint8Array(this.g.revs.length);
      for (let i = 0; i < members.length; i++) members[i] = required[i]! & (done[i]! ^ 1);
      return simulate(this.g, this.g.order(members, 'up'), 'up', heads);
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
      const heads = currentIdx(this.g, currentHeads);
      const { label, rev } = parseDowngradeTarget(this.g, heads, target, warn);
      let roots = rev === BASE ? this.g.baseIdx : this.g.nextrev[rev]!;
      if (label !== undefined && roots.length > 1) {
        const onBranch = this.g.ancestors([branchRevision(this.g, label)], false);
        roots = roots.filter((r) => onBranch[r] === 1);
        if (roots.length === 0) throw new RevisionError('Not a valid downgrade target from current heads');
      }
      const drop = this.g.descendants(roots);
      const active = this.g.ancestors(heads);
      const members = new Uint8Array(this.g.revs.length);
      let count = 0;
      for (let i = 0; i < members.length; i++) {
        members[i] = drop[i]! & active[i]!;
        count += members[i]!;
      }
      if (rev !== BASE && count === 0 && !heads.includes(rev)) {
        throw new RevisionError(`Destination ${target} is not a valid downgrade target from current head(s)`);
      }
      return simulate(this.g, this.g.order(members, 'down'), 'down', heads);
    });
  }

  /**
   * The steps of `stamp <target>...` (one target or several, as Alembic's `stamp` takes): each
   * target revision replaces the current rows related to the targets (ancestor or descendant);
   * unrelated rows stay; `base` deletes the rows (of `label@base`: that branch's rows).
   */
  planStamp(currentHeads: readonly string[], target: string | readonly string[]): StampStep[] {
    return planStampSteps(this.g, currentHeads, typeof target === 'string' ? [target] : target).steps;
  }

  /** The version-table rows after `stamp <target>`. */
  stampHeads(currentHeads: readonly string[], target: string | readonly string[]): string[] {
    return planStampSteps(this.g, currentHeads, typeof target === 'string' ? [target] : target).rows;
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
    const exact = (ids: readonly string[]) => ids.map((id) => ident(this.g, id));
    const shown = (end: string | readonly string[]) =>
      typeof end === 'string'
        ? end
        : `(${end.map((id) => `'${id}'`).join(', ')}${end.length === 1 ? ',' : ''})`;
    return this.withArgument(shown(up), () => {
      // Alembic parses the upper end first, so its error wins when both ends are wrong.
      let upperIdx = typeof up === 'string' ? historyUpper(this.g, up, lo) : exact(up);
      // A lower end on a branch (`label@head:`, `label@-1:`) keeps the upper end to that branch.
      if (typeof lo === 'string' && lo.includes('@')) upperIdx = this.onBranch(upperIdx, lo.split('@')[0]!);
      // As Alembic's walks with check=True: neither end may list a revision with its ancestor —
      // the lower end resolved and checked after the range, as Alembic does.
      this.checkOverlap(upperIdx);
      const lowerIdx = typeof lo === 'string' ? historyLower(this.g, lo) : exact(lo);
      const required = this.g.ancestors(upperIdx);
      if (lowerIdx.some((l) => required[l] !== 1)) {
        throw new RevisionError(
          `Requested range ${shown(lo)}:${shown(up)} does not refer to ancestor/descendant revisions along the same branch`,
        );
      }
      this.checkOverlap(lowerIdx);
      const done = this.g.ancestors(lowerIdx);
      const span = new Uint8Array(this.g.revs.length);
      for (let i = 0; i < span.length; i++) span[i] = required[i]! & (done[i]! ^ 1);
      for (const l of lowerIdx) span[l] = 1;
      // Order the whole span (it is convex, so every path between two members stays inside), then
      // keep what lies above the lower end along down revisions, as Alembic does.
      const ordered = this.g.order(span, 'down');
      if (lowerIdx.length === 0) return ordered.map((i) => this.g.revs[i]!);
      const above = this.g.descendants(lowerIdx, false);
      return ordered.filter((i) => above[i] === 1).map((i) => this.g.revs[i]!);
    });
  }

  /**
   * The revisions of `targets` on `branch` (Alembic's `_collect_upgrade_revisions` for a lower end
   * with '@'): a label keeps the revisions carrying it; a revision id stands for its one label, or —
   * where Alembic stops on an assertion, the revision having none or several — for its lineage.
   */
  private onBranch(targets: readonly number[], branch: string): number[] {
    const b = ident(this.g, branch);
    const labels = this.g.ids[b] === branch ? this.g.labelsOf(b) : [branch];
    if (labels.length !== 1) return filterLineage(this.g, targets, branch);
    return targets.filter((i) => this.g.labelsOf(i).includes(labels[0]!));
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
      const above = this.g.ancestors([t]);
      const overlaps = list.filter((o) => o !== t && above[o] === 1);
      if (overlaps.length > 0) {
        throw new RevisionError(
          `Requested revision ${this.g.ids[t]} overlaps with other requested revisions ${overlaps.map((o) => this.g.ids[o]).join(', ')}`,
        );
      }
    }
  }
}
