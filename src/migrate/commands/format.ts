import path from 'node:path';
import type { Revision } from '../script/revision.js';
import type { RevisionMap } from '../script/revision-map.js';

/**
 * Alembic's revision formatting (`Script.cmd_format`): the one-line form used by history, heads
 * and current, and the verbose block used by `-v` and `show`.
 */
export interface FormatOptions {
  current?: ReadonlySet<string>;
  parents?: boolean;
  doc?: boolean;
  /** (branchpoint)/(mergepoint) markers; `heads` leaves them out, as Alembic does. */
  tree?: boolean;
}

function indicators(map: RevisionMap, rev: Revision, opts: FormatOptions, verbose: boolean): string {
  const head = map.isHead(rev.revision) ? ' (head)' : '';
  const cur = opts.current?.has(rev.revision) ? ' (current)' : '';
  const tree = opts.tree !== false;
  const bp = tree && map.isBranchPoint(rev.revision) ? ' (branchpoint)' : '';
  const mp = tree && map.isMergePoint(rev.revision) ? ' (mergepoint)' : '';
  const spread = map.branchLabels(rev.revision);
  const labels = spread.length ? ` (${spread.join(', ')})` : '';
  return verbose ? `${labels}${head}${bp}${mp}${cur}` : `${labels}${head}${cur}${bp}${mp}`;
}

export function formatLine(map: RevisionMap, rev: Revision, opts: FormatOptions = {}): string {
  let text = `${rev.revision}${indicators(map, rev, opts, false)}`;
  if (opts.parents) {
    const parents = rev.downRevisions.length ? rev.downRevisions.join(', ') : '<base>';
    text = `${parents} -> ${text}`;
  }
  if (opts.doc) text += `, ${rev.message}`;
  return text;
}

export function formatVerbose(
  map: RevisionMap,
  rev: Revision,
  opts: FormatOptions = {},
  cwd = process.cwd(),
): string {
  const lines = [`Rev: ${rev.revision}${indicators(map, rev, opts, true)}`];
  if (rev.downRevisions.length > 1) lines.push(`Merges: ${rev.downRevisions.join(', ')}`);
  else lines.push(`Parent: ${rev.downRevisions[0] ?? '<base>'}`);
  if (rev.dependsOn.length) lines.push(`Also depends on: ${rev.dependsOn.join(', ')}`);
  if (rev.branchLabels.length) lines.push(`Branch names: ${rev.branchLabels.join(', ')}`);
  if (map.isBranchPoint(rev.revision))
    lines.push(`Branches into: ${[...map.children(rev.revision)].sort().join(', ')}`);
  const rel = path.relative(cwd, rev.path);
  lines.push(`Path: ${rel && !rel.startsWith('..') ? rel : rev.path}`);
  lines.push('');
  for (const l of rev.doc.split('\n')) lines.push(`    ${l}`);
  lines.push('');
  return `${lines.join('\n')}\n`;
}
