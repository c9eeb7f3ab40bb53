/**
 * Writes one revision graph as two projects in a scratch folder: a real Alembic project (Python
 * revision files) and ours (TypeScript revision files), with the same ids, down revisions, branch
 * labels, depends_on and messages, and each its own SQLite database file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type AlembicRevision, writeAlembicProject } from './alembic-project.js';
import { writeRevision } from './engine.js';
import type { GraphRevision } from './revision-graph-arbitrary.js';

export interface GraphProjects {
  alembic: { ini: string; db: string };
  ours: { scripts: string; db: string };
}

export function writeGraphProjects(dir: string, graph: readonly GraphRevision[]): GraphProjects {
  const alembic = graph.map(
    (r): AlembicRevision => ({
      id: r.id,
      down: r.down,
      branchLabels: r.branchLabels,
      dependsOn: r.dependsOn,
      message: r.message,
      createDate: '2026-11-25 12:00:00.000000',
      upgrade: r.createsTable
        ? [`op.create_table('t_${r.id}', sa.Column('id', sa.Integer(), primary_key=True))`]
        : [],
      downgrade: r.createsTable ? [`op.drop_table('t_${r.id}')`] : [],
    }),
  );
  const ini = writeAlembicProject(path.join(dir, 'alembic'), alembic);
  const scripts = path.join(dir, 'ours');
  fs.mkdirSync(path.join(scripts, 'versions'), { recursive: true });
  for (const r of graph) {
    writeRevision(scripts, {
      id: r.id,
      down: r.down,
      branchLabels: r.branchLabels,
      dependsOn: r.dependsOn,
      message: r.message,
      upgrade: r.createsTable
        ? [
            `await op.createTable('t_${r.id}', { columns: [{ name: 'id', type: 'integer', nullable: false }], ` +
              `primaryKey: { name: 'pk_t_${r.id}', columns: ['id'] } });`,
          ]
        : [],
      downgrade: r.createsTable ? [`await op.dropTable('t_${r.id}');`] : [],
    });
  }
  return {
    alembic: { ini, db: path.join(dir, 'alembic.sqlite') },
    ours: { scripts, db: path.join(dir, 'ours.sqlite') },
  };
}
