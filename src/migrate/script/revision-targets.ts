import { RevisionError } from './revision-errors.js';
import { BASE, type RevisionGraph, unique } from './revision-graph.js';
import {
  filterLineage,
  ident,
  relativeMessage,
  resolveAll,
  resolveSingle,
  symbolic,
  walk,
} from './revision-resolution.js';

/**
 * The arguments of the commands, resolved against the current version-table rows as Alembic
 * resolves them: the destination of `upgrade` and `downgrade` (including the relative forms
 * `+N`, `-N`, `label@+N`, `REV+N`), the two ends of a `history` range, and the revisions a
 * `stamp` target stands for. Plain functions taking the graph, built on revision-resolution.ts.
 */

/** `[label@][symbol](+|-)N`, as Alembic's `_relative_destination`. */
const RELATIVE = /^(?:(.+?)@)?(\w+)?([+-]\d+)$/;

interface Relative {
  label: string | undefined;
  symbol: string | undefined;
  /** The signed number as written (`+2`, `-1`), for messages. */
  relative: string;
  steps: number;
}

/** The parts of a relative target, or undefined for an absolute one. */
function parseRelative(target: string): Relative | undefined {
  const m = RELATIVE.exec(target);
  if (m === null) return undefined;
  return { label: m[1] || undefined, symbol: m[2], relative: m[3]!, steps: Number.parseInt(m[3]!, 10) };
}
/** Alembic 1.8.1's words for `downgrade -N` when the database has several heads. */
const AMBIGUOUS_DOWNGRADE_WARNING =
  'downgrade -1 from multiple heads is ambiguous; this usage will be disallowed in a future release.';

/**
 * The upgrade destination(s) (Alembic's `_parse_upgrade_target`). `clamp` is its
 * `assert_relative_length=False` (what `history` passes): a walk past the tips stops at the last
 * revision instead of failing.
 */
export function parseUpgradeTarget(
  g: RevisionGraph,
  heads: readonly number[],
  target: string,
  clamp = false,
): number[] {
  const rel = parseRelative(target);
  if (rel === undefined) return resolveAll(g, target);
  const { label, symbol, relative, steps } = rel;
  if (steps > 0) {
    if (symbol !== undefined) {
      const r = walk(g, resolveSingle(g, symbol), steps, label);
      if (r === null) throw new RevisionError('Walked too far');
      return [r];
    }
    let start: number[] = heads.length > 0 ? [...heads] : [BASE];
    if (label !== undefined) {
      const onBranch = g.lineage([ident(g, label)]);
      start = start.filter((h) => h !== BASE && onBranch[h] === 1);
      if (start.length === 0) {
        // The branch is not among the current heads: start from its applied tip, or from base.
        const active = g.ancestors(heads);
        const applied: number[] = [];
        active.forEach((m, i) => {
          if (m === 1 && onBranch[i] === 1) applied.push(i);
        });
        const covered = new Set(applied.flatMap((i) => g.normDown(i)));
        start = applied.filter((i) => !covered.has(i));
        if (start.length === 0) start = [BASE];
      }
    }
    if (start.length > 1) throw new RevisionError('Ambiguous upgrade from multiple current revisions');
    const r = walk(g, start[0]!, steps, label, clamp);
    if (r === null) throw new RevisionError(relativeMessage(relative, steps));
    return [r];
  }
  if (symbol === undefined) throw new RevisionError(relativeMessage(String(steps), steps));
  const from = resolveSingle(g, label === undefined ? symbol : `${label}@${symbol}`);
  const r = walk(g, from, steps, undefined);
  if (r === null) throw new RevisionError('Walked too far');
  return r === BASE ? [] : [r];
}

/** The downgrade destination and branch (Alembic's `_parse_downgrade_target`). */
export function parseDowngradeTarget(
  g: RevisionGraph,
  heads: readonly number[],
  target: string,
  warn: (message: string) => void,
): { label: string | undefined; rev: number } {
  const rel = parseRelative(target);
  if (rel === undefined) {
    // As Alembic's `rpartition('@')`: the part after the last '@' is resolved on its own (so
    // `label@head` is the single head, whatever the label), the label only narrows what is removed.
    const at = target.lastIndexOf('@');
    return {
      label: at > 0 ? target.slice(0, at) : undefined,
      rev: resolveSingle(g, target.slice(at + 1)),
    };
  }
  let { label, symbol } = rel;
  const { relative, steps } = rel;
  if (steps >= 0) {
    if (symbol === undefined) throw new RevisionError(relativeMessage(relative, steps));
    const r = walk(g, resolveSingle(g, symbol), steps, label);
    if (r === null) throw new RevisionError('Walked too far');
    return { label, rev: r };
  }
  const fromCurrent = symbol === undefined;
  if (symbol === undefined) {
    if (label !== undefined) {
      let onBranch = filterLineage(g, heads, label);
      if (onBranch.length === 0) {
        // The branch's tip may be implied by (a dependency of) another current head.
        onBranch = filterLineage(g, g.branchTips(heads), label);
      }
      if (onBranch.length === 0) throw new RevisionError(relativeMessage(relative, steps));
      if (onBranch.length > 1) throw new RevisionError('Ambiguous walk');
      symbol = g.ids[onBranch[0]!]!;
    } else {
      if (heads.length === 0) throw new RevisionError(relativeMessage(relative, steps));
      // Alembic walks from the first row, warning (a Python UserWarning, not an error) that the
      // choice is arbitrary when there are several.
      if (heads.length > 1) warn(AMBIGUOUS_DOWNGRADE_WARNING);
      symbol = g.ids[heads[0]!]!;
      label = symbol;
    }
  }
  const from = resolveSingle(g, label === undefined ? symbol : `${label}@${symbol}`);
  const r = walk(g, from, steps, undefined);
  if (r === null) throw new RevisionError(fromCurrent ? relativeMessage(relative, steps) : 'Walked too far');
  return { label, rev: r };
}

export function historyLower(g: RevisionGraph, lower: string): number[] {
  const rel = parseRelative(lower);
  if (rel === undefined) return resolveAll(g, lower);
  const { label, symbol, steps } = rel;
  let starts: number[];
  if (symbol !== undefined) {
    starts = [resolveSingle(g, label === undefined || steps > 0 ? symbol : `${label}@${symbol}`)];
  } else if (steps < 0) {
    starts = label === undefined ? g.realHeadIdx : filterLineage(g, g.realHeadIdx, label);
  } else {
    return resolveAll(g, lower);
  }
  const out = starts.map((s) => walk(g, s, steps, steps > 0 ? label : undefined, true)!);
  return unique(out.filter((r) => r !== BASE));
}

/** The upper end; `+N` walks up from the lower end, taken as Alembic's `_walk` takes it: one revision. */
export function historyUpper(g: RevisionGraph, upper: string, lower: string | readonly string[]): number[] {
  const rel = parseRelative(upper);
  if (rel === undefined) return resolveAll(g, upper);
  const { label, symbol, steps } = rel;
  let start: number;
  if (symbol !== undefined) {
    start = resolveSingle(g, label === undefined || steps > 0 ? symbol : `${label}@${symbol}`);
  } else if (label !== undefined && steps > 0) {
    // `label@+N`: Alembic's upgrade-target reading from the lower end's revisions — from the one on
    // the branch, else from the branch's applied tip below them, else from base along the branch.
    const from = typeof lower === 'string' ? historyLower(g, lower) : lower.map((id) => ident(g, id));
    return parseUpgradeTarget(g, from, upper, true).filter((r) => r !== BASE);
  } else {
    if (steps <= 0) throw new RevisionError(relativeMessage(String(steps), steps));
    // `heads:+1` with several heads is MultipleHeadsError, `-1:+1` an unknown revision '-1';
    // from several rows (`current:+1`) the walk is ambiguous, as Alembic's upgrade from them.
    if (typeof lower !== 'string' && lower.length > 1) {
      throw new RevisionError('Ambiguous upgrade from multiple current revisions');
    }
    start = typeof lower === 'string' ? resolveSingle(g, lower) : ident(g, lower[0]!);
  }
  const r = walk(g, start, steps, steps > 0 ? label : undefined, true)!;
  return r === BASE ? [] : [r];
}

/**
 * What `get_revisions` gives `stamp` for one target: `-N` / `label@-N` walk down from the heads
 * and a walk past the bases stands for base (no revision); landing exactly on base is refused.
 */
export function stampDestinations(g: RevisionGraph, target: string): number[] {
  const { label, ids } = symbolic(g, target);
  const only = ids.length === 1 ? ids[0]! : undefined;
  if (only === undefined || !/^-\d+$/.test(only)) return resolveAll(g, target);
  const steps = Number.parseInt(only, 10);
  const from =
    label === undefined ? g.realHeadIdx : g.realHeadIdx.filter((h) => g.labelsOf(h).includes(label));
  // Every walk first (an ambiguous one fails first); duplicates are kept, as Alembic keeps them
  // (the second stamp of one revision then fails).
  // Landing on base gives BASE, refused by the caller once every target is resolved.
  const walked = from.map((h) => walk(g, h, steps, undefined));
  return walked.filter((r): r is number => r !== null);
}
