// Differential test against real Alembic (1.8.1, Debian's package): random revision graphs
// (chains, branches, merges, branch labels, depends_on, several bases) and random command
// sequences (upgrade/downgrade/stamp to every form of target, with `current`, the version table,
// the tables the revisions create and a `history -r` range after each step; then heads, branches
// and more ranges) run through both tools; the normalised results must agree (see
// test/support/alembic-diff-normalise.ts for what is normalised, and why).
//
// SQLite only: the revision graph and the version-table bookkeeping are dialect-independent, and
// the dialects' own behaviour is covered by the other migration tests on all three.
//
// ALEMBIC_DIFF_RUNS (default 40) and ALEMBIC_DIFF_SEED change the cases; fast-check prints the seed
// and path of a failure, shrunk, with both tools' output. Without /usr/bin/alembic it fails (CI
// installs it) unless EXPIREEYE_SKIP_ALEMBIC=1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { runCase } from '../support/alembic-diff-case.js';
import { abstractRanges, abstractSteps } from '../support/db-command-arbitrary.js';
import { revisionGraph } from '../support/revision-graph-arbitrary.js';
import { ALEMBIC } from '../support/tool-run.js';

const RUNS = Number(process.env.ALEMBIC_DIFF_RUNS ?? 40);
const SEED = Number(process.env.ALEMBIC_DIFF_SEED ?? 20261127);

/**
 * A case the random ones may miss: the table at a merge revision, then `stamp` of both its
 * parents — Alembic's KeyError half way, ours splits the row (README, "Where it differs").
 */
function splitMergeStamp(): Parameters<typeof runCase> {
  const rev = (id: string, down: string[]) => ({
    id,
    down,
    branchLabels: [],
    dependsOn: [],
    message: `rev ${id}`,
    createsTable: false,
  });
  const graph = [
    rev('abcd00000001', []),
    rev('abcd00000002', ['abcd00000001']),
    rev('abcd00000003', ['abcd00000001']),
    rev('abcd00000004', ['abcd00000002', 'abcd00000003']),
  ];
  const id = (n: number) => ({ form: 'id' as const, rev: n, label: 0, n: 1, len: 12 });
  const range: [ReturnType<typeof id>, ReturnType<typeof id>] = [id(0), id(3)];
  return [
    graph,
    [
      { verb: 'stamp', targets: [id(3)], purge: false, range },
      { verb: 'stamp', targets: [id(1), id(2)], purge: false, range },
      { verb: 'upgrade', targets: [id(3)], purge: false, range },
    ],
    [range],
  ];
}

test('expireeye db agrees with real Alembic on random revision graphs and command sequences', async (t) => {
  if (!fs.existsSync(ALEMBIC)) {
    if (process.env.EXPIREEYE_SKIP_ALEMBIC === '1') {
      t.skip('EXPIREEYE_SKIP_ALEMBIC=1 and no /usr/bin/alembic');
      return;
    }
    assert.fail(
      'real Alembic is missing: apt-get install alembic python3-sqlalchemy (or EXPIREEYE_SKIP_ALEMBIC=1)',
    );
  }
  await fc.assert(fc.asyncProperty(revisionGraph, abstractSteps, abstractRanges, runCase), {
    numRuns: RUNS,
    seed: SEED,
    examples: [splitMergeStamp()],
  });
});
