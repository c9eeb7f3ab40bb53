/**
 * Normalises what Alembic and our CLI print so that only real differences remain, for the
 * differential test. Left out or reordered, because they legitimately differ:
 * - the order of lines where Alembic iterates a Python set (heads, `current` with several rows,
 *   the branches of `history`, `upgrade heads`/`downgrade base` across a branch point, the `->`
 *   lines of `branches`, a revision's branch labels): compared as sorted lists;
 * - the INFO lines' logger names and the DDL mode line (we run SQLite DDL in a transaction);
 * - the wording of an error, unless the reference (../shared/reference/alembic-behaviour.md)
 *   quotes it: then ours must read the same.
 */
import type { CommandRun } from './tool-run.js';

/**
 * The failure messages the reference quotes, and stamp's multiple-heads message (Alembic's
 * `_stamp_revs` in script/base.py); a failure with one of them must match ours exactly.
 */
const QUOTED_FAILURES = [
  /^Can't locate revision identified by '.*'$/,
  /^Relative revision [+-]\d+ didn't produce \d+ migrations$/,
  /^Multiple head revisions are present for given argument '.*'; please specify a specific target revision, '<branchname>@.*' to narrow to a specific head, or 'heads' for all heads$/,
  /^Ambiguous walk$/,
  /^Multiple heads are present; please specify a single target revision$/,
  /^Requested range .* does not refer to ancestor\/descendant revisions along the same branch$/,
  /^Target database is not up to date\.$/,
];

/** Sorts the items of every parenthesised comma list (branch labels, dependencies). */
const sortLists = (line: string) =>
  line.replace(/\(([^()]*, [^()]*)\)/g, (_, list: string) => `(${list.split(', ').sort().join(', ')})`);

/** Sorts both sides of `a, b -> c, d` (merge and stamp descriptions). */
const sortArrowSides = (text: string) =>
  text
    .split(' -> ')
    .map((side) => side.split(', ').sort().join(', '))
    .join(' -> ');

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

export interface Failure {
  ok: boolean;
  /** The FAILED message when the reference quotes it, else undefined. */
  quoted: string | undefined;
}

/**
 * Success, or failure with its message when the reference quotes it. "Can't locate revision
 * identified by 'X'" counts only when the user typed X: Alembic also reports identifiers its own
 * range parsing makes up (`history -r -1:lbl@+2` can fail on 'base'), and those are artefacts.
 */
function failure(run: CommandRun, argv: readonly string[]): Failure {
  if (run.code === 0) return { ok: true, quoted: undefined };
  const message = /^FAILED: (.*)$/m.exec(run.stdout)?.[1];
  if (message === undefined || !QUOTED_FAILURES.some((q) => q.test(message)))
    return { ok: false, quoted: undefined };
  const located = /^Can't locate revision identified by '(.*)'$/.exec(message)?.[1];
  if (located !== undefined && !argv.some((a) => a.includes(located)))
    return { ok: false, quoted: undefined };
  // A tuple of revisions (the database's rows) is in row order, which the tools need not share.
  const sortedTuples = message.replace(
    /\(('[^()]*)\)/g,
    (_, list: string) => `(${list.split(', ').sort().join(', ')})`,
  );
  return { ok: false, quoted: sortedTuples };
}

/**
 * A step (upgrade/downgrade/stamp): outcome, the revisions it ran, the database after it. After a
 * failure only the outcome: a failed stamp leaves our table as it was (one transaction), where
 * Alembic on SQLite may have committed part of it (a --purge) or crashed half-way.
 */
export function stepView(run: CommandRun, argv: readonly string[]) {
  if (run.code !== 0) return failure(run, argv);
  const ran = lines(run.stderr)
    .map((l) => /\] Running ((?:upgrade|downgrade|stamp_revision) .*)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined)
    .map((l) => {
      const [verb, ...rest] = l.split(' ');
      let what = rest.join(' ');
      let doc = '';
      // `upgrade A, B -> C, doc`: the doc follows the last ", " (our generated docs have none).
      const comma = what.lastIndexOf(', ');
      if (verb !== 'stamp_revision' && comma >= 0) [what, doc] = [what.slice(0, comma), what.slice(comma)];
      return `${verb} ${sortArrowSides(what)}${doc}`;
    })
    .sort();
  return { ...failure(run, argv), ran, rows: [...run.rows].sort(), tables: run.tables };
}

/** `current`, `heads` and `history`: outcome and the lines, sorted (their order is compared elsewhere). */
export function listingView(run: CommandRun, argv: readonly string[]) {
  return run.code === 0
    ? { ...failure(run, argv), lines: lines(run.stdout).map(sortLists).sort() }
    : failure(run, argv);
}

/** `branches`: each branch point with its `->` lines, all order-free. */
export function branchesView(run: CommandRun, argv: readonly string[]) {
  const blocks = run.stdout
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((b) => {
      const [head = '', ...children] = lines(b);
      return [sortLists(head), ...children.map(sortLists).sort()].join('\n');
    })
    .sort();
  return { ...failure(run, argv), blocks };
}
