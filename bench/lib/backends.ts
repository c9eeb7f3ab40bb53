/**
 * The two databases the benchmark runs on, each with: the URL each tool is given, its native
 * client (the floor and the prepare steps go through it), and a reset.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type BackendName = 'mariadb' | 'sqlite';

export interface Backend {
  name: BackendName;
  label: string;
  /** SQLAlchemy URL, for Alembic's env.py (`DB_URL`). */
  alembicUrl: string;
  /** Our engine's `DATABASE_URL`. */
  oursUrl: string;
  /** hyperfine command: the statements of `file` through the native client, in one session. */
  floorCommand(file: string): string;
  /** Runs a script file through the native client (outside timing). */
  source(file: string): void;
  /** Runs one query through the native client; returns its tab-separated rows. */
  query(sql: string): string;
  /** Throws a one-line explanation when the database cannot be used. */
  check(): void;
  /** Removes what the benchmark created outside its work directory. */
  cleanup(): void;
  /** Shell lines for prep.sh: `reset` empties the database, `load` feeds it "$2". */
  shell: { reset: string; load: string };
}

const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
};

export function mariadb(): Backend {
  const host = process.env.BENCH_MARIADB_HOST ?? '127.0.0.1';
  const port = process.env.BENCH_MARIADB_PORT ?? '3306';
  const user = process.env.BENCH_MARIADB_USER ?? 'root';
  const db = process.env.BENCH_MARIADB_DB ?? 'expireeye_bench';
  if (!/^\w+$/.test(db)) throw new Error(`BENCH_MARIADB_DB: not a plain database name: '${db}'`);
  const client = ['-h', host, '-P', port, '-u', user];
  return {
    name: 'mariadb',
    label: 'MariaDB',
    alembicUrl: `mysql+pymysql://${user}@${host}:${port}/${db}`,
    oursUrl: `mysql://${user}@${host}:${port}/${db}`,
    floorCommand: (file) => `mariadb ${client.join(' ')} ${db} -e "source ${file}"`,
    source: (file) => void run('mariadb', [...client, db, '-e', `source ${file}`]),
    query: (sql) => run('mariadb', [...client, '-N', '-B', db, '-e', sql]),
    check() {
      try {
        run('mariadb', [...client, '-e', `CREATE DATABASE IF NOT EXISTS ${db}`]);
      } catch (e) {
        throw new Error(
          `MariaDB is not reachable as ${user}@${host}:${port} without a password (${(e as Error).message.split('\n').at(-1)}); ` +
            'start it, set BENCH_MARIADB_HOST/PORT/USER, or run with --backend sqlite',
        );
      }
    },
    cleanup: () => void run('mariadb', [...client, '-e', `DROP DATABASE IF EXISTS ${db}`]),
    shell: {
      reset: `mariadb ${client.join(' ')} -e 'DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db}'`,
      load: `mariadb ${client.join(' ')} ${db} < "$2"`,
    },
  };
}

export function sqlite(workDir: string): Backend {
  const file = path.join(workDir, 'bench.sqlite');
  return {
    name: 'sqlite',
    label: 'SQLite',
    alembicUrl: `sqlite:///${file}`,
    oursUrl: `sqlite:${file}`,
    floorCommand: (sqlFile) => `sqlite3 ${file} ".read ${sqlFile}"`,
    source: (sqlFile) => void run('sqlite3', [file, `.read ${sqlFile}`]),
    query: (sql) => run('sqlite3', ['-batch', '-separator', '\t', file, sql]),
    check() {
      fs.mkdirSync(workDir, { recursive: true });
    },
    cleanup: () => undefined, // the work directory goes as a whole
    shell: {
      reset: `rm -f ${file} ${file}-wal ${file}-shm ${file}-journal`,
      load: `sqlite3 ${file} < "$2"`,
    },
  };
}

/** What the bench tables hold now: column count, index count (primary keys aside), version rows. */
export function shape(b: Backend): { columns: number; indexes: number; versions: string[] } {
  const q =
    b.name === 'mariadb'
      ? [
          "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name LIKE 'bench\\_t%'",
          "SELECT COUNT(DISTINCT table_name, index_name) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name LIKE 'bench\\_t%' AND index_name <> 'PRIMARY'",
          "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'alembic_version'",
        ]
      : [
          "SELECT COUNT(*) FROM sqlite_master m JOIN pragma_table_info(m.name) WHERE m.type = 'table' AND m.name LIKE 'bench_t%'",
          "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_bench_%'",
          "SELECT COUNT(*) FROM sqlite_master WHERE name = 'alembic_version'",
        ];
  const n = (sql: string) => Number(b.query(sql).trim());
  const hasVersionTable = n(q[2]!) > 0;
  const versions = hasVersionTable
    ? b.query('SELECT version_num FROM alembic_version').trim().split('\n').filter(Boolean)
    : [];
  return { columns: n(q[0]!), indexes: n(q[1]!), versions };
}
