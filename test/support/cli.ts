import { type ChildProcess, spawn } from 'node:child_process';
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
  return spawnCli(args, env, cwd).result;
}

/**
 * `cli`, with the child process at hand (to signal or kill it). A process ended by a signal
 * resolves with `code` -1 and the signal's name in `signal`.
 */
export function spawnCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
): { child: ChildProcess; result: Promise<CliResult & { signal: NodeJS.Signals | null }> } {
  const clean = { ...process.env };
  for (const k of ['DATABASE_URL', 'DB_USER', 'DB_PASSWORD', 'DB_HOST', 'DB_PORT', 'DB_NAME'])
    delete clean[k];
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...clean, ...env },
    cwd: cwd ?? process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { child, result };
}
