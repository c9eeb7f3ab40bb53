/**
 * Runs a list of `db` commands through real Alembic and through our CLI program, each on its own
 * project and SQLite file, recording per command the exit code, both streams, and the database
 * state after it (the alembic_version rows and the other tables).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CapturedOutput, parseDatabaseUrl, runDbProgram } from '../../src/migrate/index.js';

export const ALEMBIC = '/usr/bin/alembic';
const PYTHON = '/usr/bin/python3';
const DRIVER = path.resolve(import.meta.dirname, '..', '..', '..', 'test', 'support', 'alembic-driver.py');

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
  rows: string[];
  tables: string[];
}

/** Alembic's commands, all in one Python process (test/support/alembic-driver.py). */
export function runAlembic(ini: string, db: string, commands: readonly string[][]): Promise<CommandRun[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [DRIVER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`alembic driver exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as CommandRun[]);
    });
    child.stdin.end(JSON.stringify({ ini, db, commands }));
  });
}

function databaseState(db: string): { rows: string[]; tables: string[] } {
  if (!fs.existsSync(db)) return { rows: [], tables: [] };
  const conn = new Database(db, { readonly: true });
  try {
    const names = conn
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => (r as { name: string }).name);
    const rows = names.includes('alembic_version')
      ? conn
          .prepare('SELECT version_num FROM alembic_version')
          .all()
          .map((r) => (r as { version_num: string }).version_num)
      : [];
    return { rows, tables: names.filter((n) => n !== 'alembic_version').sort() };
  } finally {
    conn.close();
  }
}

/**
 * Our commands, through the same program the `expireeye db` executable runs (argument parsing,
 * error reporting, exit codes), in this process: a fresh process per command would cost more
 * than the whole test's budget. The executable's own process behaviour is cli.test.ts's subject.
 */
export async function runOurs(
  scripts: string,
  db: string,
  commands: readonly string[][],
): Promise<CommandRun[]> {
  const runs: CommandRun[] = [];
  for (const argv of commands) {
    const output = new CapturedOutput();
    const code = await runDbProgram([...argv], {
      config: () => ({ scriptLocation: scripts, database: () => parseDatabaseUrl(`sqlite:${db}`) }),
      output,
    });
    runs.push({ code, stdout: output.stdoutText, stderr: output.stderrText, ...databaseState(db) });
  }
  return runs;
}
