import { MultipleHeadsError, ResolutionError, RevisionError } from './revision-errors.js';
import { BASE, type RevisionGraph, unique } from './revision-graph.js';

/**
 * Resolution of revision identifiers against a `RevisionGraph`, with Alembic's semantics: exact ids
 * and branch labels, unique prefixes, the symbolic names (`head`, `heads`, `base`, `label@...`),
 * `-N` below the heads, and the step-by-step `walk` that relative targets are built on. Plain
 * functions taking the graph; command targets built on them are in revision-targets.ts.
 */

export function relativeMessage(relative: string, steps: number): string {
  return `Relative revision ${relative} didn't produce ${Math.abs(steps)} migrations`;
}

/** Alembic's `_revision_for_ident`: exact id or label, else a unique prefix; optional branch check. */
export function ident(g: RevisionGraph, id: string, branch?: string): number {
  const branchRev = branch === undefined ? undefined : branchRevision(g, branch);
  let found = g.lookup(id);
  if (found === undefined) {
    let keys = prefixMatches(g, id);
    if (branchRev !== undefined && keys.length > 0) {
      const onBranch = g.lineage([branchRev]);
      keys = keys.filter((k) => onBranch[g.lookup(k)!] === 1);
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
    found = g.lookup(keys[0]!)!;
  }
  if (branchRev !== undefined && g.lineage([branchRev])[found] !== 1) {
    throw new ResolutionError(`Revision ${g.ids[found]} is not a member of branch '${branch}'`, id);
  }
  return found;
}

/** Ids, then labels, longer than three characters that start with `prefix`. */
function prefixMatches(g: RevisionGraph, prefix: string): string[] {
  if (prefix === '') return [];
  const out: string[] = [];
  for (const id of g.ids) if (id.length > 3 && id.startsWith(prefix)) out.push(id);
  for (const label of g.labels.keys()) if (label.length > 3 && label.startsWith(prefix)) out.push(label);
  return out;
}

/** The revision a branch name stands for: a label or exact id, else any identifier. */
export function branchRevision(g: RevisionGraph, label: string): number {
  const hit = g.lookup(label);
  if (hit !== undefined) return hit;
  try {
    return ident(g, label);
  } catch (e) {
    if (e instanceof ResolutionError) throw new ResolutionError(`No such branch: '${label}'`, label);
    throw e;
  }
}

export function filterLineage(g: RevisionGraph, targets: readonly number[], label: string): number[] {
  const onBranch = g.lineage([ident(g, label)]);
  return targets.filter((t) => onBranch[t] === 1);
}

function currentHead(g: RevisionGraph, label: string | undefined): number | undefined {
  const hs = label === undefined ? g.headIdx : filterLineage(g, g.headIdx, label);
  if (hs.length > 1) {
    throw new MultipleHeadsError(
      hs.map((i) => g.ids[i]!),
      label === undefined ? 'head' : `${label}@head`,
    );
  }
  return hs[0];
}

/** Alembic's `_resolve_revision_number`: symbolic names to id strings, plus the branch label. */
export function symbolic(g: RevisionGraph, id: string): { label: string | undefined; ids: string[] } {
  let label: string | undefined;
  let rest = id;
  const at = id.indexOf('@');
  if (at >= 0) {
    label = id.slice(0, at) || undefined;
    rest = id.slice(at + 1);
  }
  const names = (idx: readonly number[]) => idx.map((i) => g.ids[i]!);
  if (rest === 'heads') {
    return {
      label,
      ids: names(label === undefined ? g.realHeadIdx : filterLineage(g, g.headIdx, label)),
    };
  }
  if (rest === 'head') {
    const h = currentHead(g, label);
    return { label, ids: h === undefined ? [] : [g.ids[h]!] };
  }
  if (rest === 'base') return { label, ids: [] };
  return { label, ids: [rest] };
}

/** Alembic's `get_revisions`. */
export function resolveAll(g: RevisionGraph, id: string): number[] {
  const { label, ids } = symbolic(g, id);
  const only = ids.length === 1 ? ids[0]! : undefined;
  if (only !== undefined && /^-\d+$/.test(only)) {
    const steps = Number.parseInt(only, 10);
    const from =
      label === undefined ? g.realHeadIdx : g.realHeadIdx.filter((h) => g.labelsOf(h).includes(label));
    const out: number[] = [];
    for (const h of from) {
      const r = walk(g, h, steps, undefined);
      if (r === null) throw new RevisionError(relativeMessage(only, steps));
      if (r !== BASE) out.push(r);
    }
    return unique(out);
  }
  return ids.map((x) => ident(g, x, label));
}

/** Alembic's `get_revision`: BASE for `base`. */
export function resolveSingle(g: RevisionGraph, id: string): number {
  const { label, ids } = symbolic(g, id);
  if (ids.length > 1) throw new MultipleHeadsError(ids, id);
  if (ids.length === 0) return BASE;
  return ident(g, ids[0]!, label);
}

/** The version-table rows as revision numbers (unknown rows: ResolutionError). */
export function currentIdx(g: RevisionGraph, currentHeads: readonly string[]): number[] {
  return unique(currentHeads.map((h) => ident(g, h)));
}

/**
 * Walk `steps` up (children, optionally kept on `label`'s lineage) or down (down revisions, one
 * past the bases reaches BASE). Returns null when the walk runs out, or with `clamp` the last
 * position reached. Several ways to go: "Ambiguous walk".
 */
export function walk(
  g: RevisionGraph,
  start: number,
  steps: number,
  label: string | undefined,
  clamp = false,
): number | null {
  let cur = start;
  const onBranch = steps > 0 && label !== undefined ? g.lineage([ident(g, label)]) : undefined;
  for (let s = Math.abs(steps); s > 0; s--) {
    let next: readonly number[];
    if (steps > 0) {
      next = cur === BASE ? g.baseIdx : g.nextrev[cur]!;
      if (onBranch !== undefined) next = next.filter((j) => onBranch[j] === 1);
    } else if (cur === BASE) {
      next = [];
    } else {
      next = g.parents[cur]!.length > 0 ? g.parents[cur]! : [BASE];
    }
    if (next.length === 0) return clamp ? cur : null;
    if (next.length > 1) throw new RevisionError('Ambiguous walk');
    cur = next[0]!;
  }
  return cur;
}
