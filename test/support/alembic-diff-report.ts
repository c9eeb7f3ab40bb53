/**
 * The differential test's failure report: the graph, the command sequence, and for the first
 * command whose normalised results differ, both tools' raw output and database state.
 */
import { isDeepStrictEqual } from 'node:util';
import { describeGraph, type GraphRevision } from './revision-graph-arbitrary.js';
import type { CommandRun } from './tool-run.js';

export interface Compared {
  argv: string[];
  alembic: CommandRun;
  ours: CommandRun;
  /** The normalised views of each, compared for deep equality. */
  views: [unknown, unknown];
}

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');

function describeRun(name: string, run: CommandRun): string {
  return [
    `  ${name}: exit ${run.code}; alembic_version rows [${run.rows.join(', ')}]; tables [${run.tables.join(', ')}]`,
    `    stdout:\n${indent(run.stdout)}`,
    `    stderr:\n${indent(run.stderr)}`,
  ].join('\n');
}

/** The report of the first difference, or undefined when the two tools agree on every command. */
export function firstDifference(
  graph: readonly GraphRevision[],
  compared: readonly Compared[],
): string | undefined {
  const at = compared.findIndex((c) => !isDeepStrictEqual(c.views[0], c.views[1]));
  if (at < 0) return undefined;
  const c = compared[at]!;
  return [
    `Alembic and expireeye db differ at command ${at + 1}: ${c.argv.join(' ')}`,
    'graph (revision <- down revisions):',
    indent(describeGraph(graph)),
    'commands:',
    indent(compared.map((x, i) => `${i === at ? '>' : ' '} ${x.argv.join(' ')}`).join('\n')),
    `normalised alembic: ${JSON.stringify(c.views[0])}`,
    `normalised ours:    ${JSON.stringify(c.views[1])}`,
    describeRun('alembic', c.alembic),
    describeRun('ours', c.ours),
  ].join('\n');
}
