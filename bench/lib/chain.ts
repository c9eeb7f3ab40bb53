/**
 * The benchmark chain of `../shared/reference/alembic-ref/scripts/gen_chain.py`, written for both
 * tools from one definition so that they run exactly the same migrations:
 *
 * - revision 1 creates five tables bench_t0..bench_t4 (id INTEGER primary key);
 * - revision k > 1 adds one nullable INTEGER column c<k> to bench_t<k % 5> when k % 3 ≠ 0, and
 *   creates index ix_bench_c<k-1> on the column revision k-1 added when k % 3 = 0;
 * - every downgrade reverses its upgrade.
 *
 * Revision ids are Alembic's reference ones (sha1 of `bench-step-<k>`, 12 hex digits), so both
 * tools' `--sql` scripts name the same revisions.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { renderRevisionFile } from '../../src/migrate/script/revision-file.js';
import { writeAlembicProject } from '../../test/support/alembic-project.js';

export const TABLES = 5;

type Step =
  | { kind: 'tables' }
  | { kind: 'column'; table: string; column: string }
  | { kind: 'index'; table: string; column: string; index: string };

export interface ChainRevision {
  k: number;
  id: string;
  down: string | null;
  message: string;
  step: Step;
}

export function revisionId(k: number): string {
  return createHash('sha1').update(`bench-step-${k}`).digest('hex').slice(0, 12);
}

export function chain(n: number): ChainRevision[] {
  const out: ChainRevision[] = [];
  for (let k = 1; k <= n; k++) {
    let step: Step;
    let message: string;
    if (k === 1) {
      step = { kind: 'tables' };
      message = 'create bench tables';
    } else if (k % 3 !== 0) {
      step = { kind: 'column', table: `bench_t${k % 5}`, column: `c${k}` };
      message = `add ${step.column} to ${step.table}`;
    } else {
      const column = `c${k - 1}`;
      step = { kind: 'index', table: `bench_t${(k - 1) % 5}`, column, index: `ix_bench_${column}` };
      message = `index ${column} on ${step.table}`;
    }
    out.push({ k, id: revisionId(k), down: k > 1 ? revisionId(k - 1) : null, message, step });
  }
  return out;
}

/** What a chain at head contains, to check that a tool really did the work it was timed on. */
export function expectedShape(n: number): { columns: number; indexes: number } {
  const revs = chain(n);
  return {
    columns: TABLES + revs.filter((r) => r.step.kind === 'column').length,
    indexes: revs.filter((r) => r.step.kind === 'index').length,
  };
}

const tableIndexes = [...Array(TABLES).keys()];
const slug = (message: string) => message.replaceAll(' ', '_');
const createDate = (k: number) =>
  `2024-01-01 00:00:${String(k % 60).padStart(2, '0')}.${String(k).padStart(6, '0')}`;

/** Our engine: `<dir>/versions/<rev>_<slug>.ts`, rendered by the engine's own revision template. */
export function writeOurs(dir: string, n: number): void {
  const versions = path.join(dir, 'versions');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(versions, { recursive: true });
  for (const r of chain(n)) {
    const s = r.step;
    let up: string[];
    let down: string[];
    if (s.kind === 'tables') {
      up = tableIndexes.map(
        (t) =>
          `  await op.createTable('bench_t${t}', { columns: [{ name: 'id', type: 'integer', nullable: false }], ` +
          `primaryKey: { name: 'pk_bench_t${t}', columns: ['id'] } });`,
      );
      down = tableIndexes.toReversed().map((t) => `  await op.dropTable('bench_t${t}');`);
    } else if (s.kind === 'column') {
      up = [`  await op.addColumn('${s.table}', { name: '${s.column}', type: 'integer', nullable: true });`];
      down = [`  await op.dropColumn('${s.table}', '${s.column}');`];
    } else {
      up = [`  await op.createIndex('${s.index}', '${s.table}', ['${s.column}']);`];
      down = [`  await op.dropIndex('${s.index}', '${s.table}');`];
    }
    const text = renderRevisionFile({
      revision: r.id,
      downRevisions: r.down ? [r.down] : [],
      branchLabels: [],
      dependsOn: [],
      message: r.message,
      createDate: createDate(r.k),
      upgrade: up,
      downgrade: down,
      importPath: 'expireeye/migrate',
    });
    fs.writeFileSync(path.join(versions, `${r.id}_${slug(r.message)}.ts`), text);
  }
}

/** Real Alembic: `<dir>/alembic.ini`, `<dir>/migrations/env.py` and one `.py` file per revision. */
export function writeAlembic(dir: string, n: number): void {
  const revisions = chain(n).map((r) => {
    const s = r.step;
    let upgrade: string[];
    let downgrade: string[];
    if (s.kind === 'tables') {
      upgrade = tableIndexes.map(
        (t) => `op.create_table('bench_t${t}', sa.Column('id', sa.Integer(), primary_key=True))`,
      );
      downgrade = tableIndexes.toReversed().map((t) => `op.drop_table('bench_t${t}')`);
    } else if (s.kind === 'column') {
      upgrade = [`op.add_column('${s.table}', sa.Column('${s.column}', sa.Integer(), nullable=True))`];
      downgrade = [`op.drop_column('${s.table}', '${s.column}')`];
    } else {
      upgrade = [`op.create_index('${s.index}', '${s.table}', ['${s.column}'], unique=False)`];
      downgrade = [`op.drop_index('${s.index}', table_name='${s.table}')`];
    }
    return {
      id: r.id,
      down: r.down ? [r.down] : [],
      message: r.message,
      createDate: createDate(r.k),
      upgrade,
      downgrade,
    };
  });
  writeAlembicProject(dir, revisions);
}
