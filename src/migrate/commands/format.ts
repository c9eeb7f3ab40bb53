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
  /** Branch labels after the id: history, heads and branches show them; current does not. */
  labels?: boolean;
}

/** Alembic's `_head_only` marker: a head that another revision depends on is an effective head. */
function headMarker(map: RevisionMap, id: string): string {
  if (map.isRealHead(id)) return ' (head)';
  return map.isHead(id) ? ' (effective head)' : '';
}

function treeMarkers(map: RevisionMap, id: string): string {
  return `${map.isBranchPoint(id) ? ' (branchpoint)' : ''}${map.isMergePoint(id) ? ' (mergepoint)' : ''}`;
}

export function formatLine(map: RevisionMap, rev: Revision, opts: FormatOptions = {}): string {
  const id = rev.revision;
  let text = id;
  if (opts.parents) {
    const parents = rev.downRevisions.length ? rev.downRevisions.join(', ') : '<base>';
    const deps = rev.dependsOn.length ? ` (${rev.dependsOn.join(', ')})` : '';
    text = `${parents}${deps} -> ${text}`;
  }
  const labels = map.branchLabels(id);
  if (opts.labels !== false && labels.length) text += ` (${labels.join(', ')})`;
  text += headMarker(map, id);
  if (opts.current?.has(id)) text += ' (current)';
  if (opts.tree !== false) text += treeMarkers(map, id);
  if (opts.doc) text += `, ${rev.message}`;
  return text;
}

export function formatVerbose(map: RevisionMap, rev: Revision, opts: FormatOptions = {}): string {
  const id = rev.revision;
  // Alembic's `log_entry`: (head) for any head, even an effective one, and no branch labels here
  // (they get their own "Branch names:" line below).
  const current = opts.current?.has(id) ? ' (current)' : '';
  const lines = [`Rev: ${id}${map.isHead(id) ? ' (head)' : ''}${treeMarkers(map, id)}${current}`];
  if (rev.downRevisions.length > 1) lines.push(`Merges: ${rev.downRevisions.join(', ')}`);
  else lines.push(`Parent: ${rev.downRevisions[0] ?? '<base>'}`);
  if (rev.dependsOn.length) lines.push(`Also depends on: ${rev.dependsOn.join(', ')}`);
  if (map.isBranchPoint(id)) lines.push(`Branches into: ${[...map.children(id)].sort().join(', ')}`);
  const labels = map.branchLabels(id);
  if (labels.length) lines.push(`Branch names: ${labels.join(', ')}`);
  // Absolute, as Alembic prints it (its versions folder is abspath'd), whatever the working directory.
  lines.push(`Path: ${path.resolve(rev.path)}`);
  lines.push('');
  for (const l of rev.doc.split('\n')) lines.push(`    ${l}`);
  lines.push('');
  return `${lines.join('\n')}\n`;
}
