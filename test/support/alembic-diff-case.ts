/**
 * One case of the differential test: a revision graph and a command sequence, run through real
 * Alembic and our CLI, compared after normalising; throws the report of the first difference.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { branchesView, listingView, stepView } from './alembic-diff-normalise.js';
import { type Compared, firstDifference } from './alembic-diff-report.js';
import { mergeCrashedOnMovedRow } from './alembic-merge-crash.js';
import { stampCrashedOnMovedRow, stampMovedUnrelatedRow } from './alembic-stamp-moves.js';
import { type AbstractStep, historyCommand, stepCommand } from './db-command-arbitrary.js';
import type { GraphRevision } from './revision-graph-arbitrary.js';
import { writeGraphProjects } from './revision-graph-projects.js';
import { type CommandRun, runAlembic, runOurs } from './tool-run.js';

type Kind = 'step' | 'listing' | 'branches';

function commandsFor(
  graph: readonly GraphRevision[],
  steps: AbstractStep[],
  ranges: AbstractStep['range'][],
) {
  const commands: { argv: string[]; kind: Kind }[] = [];
  for (const step of steps) {
    commands.push({ argv: stepCommand(step, graph), kind: 'step' });
    commands.push({ argv: ['current'], kind: 'listing' });
    commands.push({ argv: historyCommand(step.range, graph), kind: 'listing' });
  }
  commands.push({ argv: ['heads'], kind: 'listing' }, { argv: ['branches'], kind: 'branches' });
  commands.push({ argv: ['history'], kind: 'listing' }, { argv: ['history', '-i'], kind: 'listing' });
  commands.push({ argv: ['history', '-r', 'base:heads'], kind: 'listing' });
  for (const r of ranges) commands.push({ argv: historyCommand(r, graph), kind: 'listing' });
  return commands;
}

const view = (kind: Kind, run: CommandRun, argv: string[]): unknown =>
  kind === 'step'
    ? stepView(run, argv)
    : kind === 'branches'
      ? branchesView(run, argv)
      : listingView(run, argv);

/**
 * Both views; when Alembic failed without a quoted message (an uncaught exception: exit 1 and a
 * traceback), our message is not compared either.
 */
function views(
  graph: readonly GraphRevision[],
  kind: Kind,
  alembic: CommandRun,
  ours: CommandRun,
  argv: string[],
): [unknown, unknown] {
  const a = view(kind, alembic, argv) as { ok: boolean; quoted?: string };
  const o = view(kind, ours, argv) as { ok: boolean; quoted?: string };
  if (!a.ok && !o.ok && a.quoted === undefined) o.quoted = undefined;
  if (notComparable(graph, alembic)) return [a, a];
  return [a, o];
}

/** A step whose outcome the two tools are known to differ on, by design or by Alembic's fault. */
function notComparable(graph: readonly GraphRevision[], alembic: CommandRun): boolean {
  return (
    // An AssertionError inside Alembic is its bug (`upgrade REV-N` reaching base, say), not a verdict.
    (alembic.code === 1 && alembic.stderr.includes('AssertionError')) ||
    // `downgrade -N` from several rows walks from whichever row the table returns first — its
    // insertion order, itself a Python set's iteration order — as Alembic's warning says. Either
    // choice is right (and may fail where the other does not, on a stamped table).
    alembic.stderr.includes('from multiple heads is ambiguous') ||
    // A stamp that moved a row unrelated to its target: the deliberate difference of
    // alembic-stamp-moves.ts.
    stampMovedUnrelatedRow(graph, alembic) ||
    // A stamp of both parents of a merge row: Alembic's KeyError half way; ours splits the row.
    stampCrashedOnMovedRow(alembic) ||
    // A merge whose dependency had already moved one of its down revisions' rows on: Alembic's
    // KeyError (alembic-merge-crash.ts); ours merges the rows that are there.
    mergeCrashedOnMovedRow(graph, alembic)
  );
}

/**
 * The commands up to the first step Alembic failed (or that is otherwise not comparable) after
 * which the two databases differ (stepView): from there on the two tools start from different
 * states, so nothing later is comparable.
 */
function comparable(
  graph: readonly GraphRevision[],
  commands: { kind: Kind }[],
  alembic: CommandRun[],
  ours: CommandRun[],
): number {
  const state = (r: CommandRun) => JSON.stringify([[...r.rows].sort(), r.tables]);
  const at = commands.findIndex(
    (c, i) =>
      c.kind === 'step' &&
      (alembic[i]!.code !== 0 || notComparable(graph, alembic[i]!)) &&
      state(alembic[i]!) !== state(ours[i]!),
  );
  return at < 0 ? commands.length : at + 1;
}

/** Our `history` lists every revision before its down revisions (newest first). */
function historyOrderProblem(
  graph: readonly GraphRevision[],
  argv: string[],
  run: CommandRun,
): string | undefined {
  if (argv[0] !== 'history' || run.code !== 0) return undefined;
  const order = run.stdout
    .split('\n')
    .map((l) => /-> (\w+)/.exec(l)?.[1])
    .filter((id): id is string => id !== undefined);
  for (const [i, id] of order.entries()) {
    const down = graph.find((r) => r.id === id)?.down ?? [];
    const early = down.find((d) => order.indexOf(d) > -1 && order.indexOf(d) < i);
    if (early !== undefined)
      return `ours: history lists ${early} before its descendant ${id}:\n${run.stdout}`;
  }
  return undefined;
}

export async function runCase(
  graph: GraphRevision[],
  steps: AbstractStep[],
  ranges: AbstractStep['range'][],
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-alembic-diff-'));
  try {
    const projects = writeGraphProjects(dir, graph);
    const commands = commandsFor(graph, steps, ranges);
    const argvs = commands.map((c) => c.argv);
    // Alembic runs in its own process while ours runs in this one.
    const [alembic, ours] = await Promise.all([
      runAlembic(projects.alembic.ini, projects.alembic.db, argvs),
      runOurs(projects.ours.scripts, projects.ours.db, argvs),
    ]);
    const compared: Compared[] = commands
      .slice(0, comparable(graph, commands, alembic, ours))
      .map((c, i) => ({
        argv: c.argv,
        alembic: alembic[i]!,
        ours: ours[i]!,
        views: views(graph, c.kind, alembic[i]!, ours[i]!, c.argv),
      }));
    const problem =
      firstDifference(graph, compared) ??
      compared.map((c) => historyOrderProblem(graph, c.argv, c.ours)).find((p) => p !== undefined);
    if (problem !== undefined) throw new Error(problem);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
