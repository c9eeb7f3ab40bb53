import { spawn } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve(import.meta.dirname, '..', '..', '..', 'bin', 'expireeye.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `expireeye` executable (compiled JS) in a child process. */
export function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const clean = { ...process.env };
    for (const k of ['DATABASE_URL', 'DB_USER', 'DB_PASSWORD', 'DB_HOST', 'DB_PORT', 'DB_NAME'])
      delete clean[k];
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...clean, ...env },
      cwd: cwd ?? process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
