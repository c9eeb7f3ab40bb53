/**
 * hyperfine, without a shell (`-N`): each timed run is one fresh process of the tool, as a user
 * runs it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Command {
  /** A short name for the table, e.g. `alembic` or `ours`. */
  name: string;
  /** Split by hyperfine like a shell would (quotes work), but run without one. */
  command: string;
  /** Run before every timed run (and every warm-up run); not timed. */
  prepare?: string;
}

export interface Timing {
  /** Seconds, one per run. */
  times: number[];
  median: number;
  min: number;
  max: number;
}

export interface HyperfineOptions {
  runs: number;
  warmup?: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where the collected times go (JSON, one entry per command). */
  json: string;
  /** Show hyperfine's own progress and summary. */
  verbose?: boolean;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Times the commands, interleaved: each round runs every command once (alternating their order),
 * so that load from other processes on a shared machine falls on all of them alike instead of on
 * whichever ran during a busy minute. Every run is its own `hyperfine -N --runs 1` with the
 * command's prepare. The first `warmup` rounds are not kept. Throws with hyperfine's error.
 */
export function hyperfine(commands: Command[], options: HyperfineOptions): Map<string, Timing> {
  const times = new Map<string, number[]>(commands.map((c) => [c.name, []]));
  const rounds = (options.warmup ?? 0) + options.runs;
  const tmp = `${options.json}.run`;
  fs.mkdirSync(path.dirname(options.json), { recursive: true });
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...commands].reverse() : commands;
    for (const c of order) {
      const args = ['-N', '--style', options.verbose ? 'basic' : 'none', '--runs', '1', '--export-json', tmp];
      if (c.prepare) args.push('--prepare', c.prepare);
      args.push('-n', c.name, c.command);
      const r = spawnSync('hyperfine', args, {
        cwd: options.cwd,
        env: options.env,
        stdio: ['ignore', options.verbose ? 'inherit' : 'pipe', 'pipe'],
        encoding: 'utf8',
      });
      if (r.status !== 0) {
        const detail = `${r.stderr ?? ''}`.trim().split('\n').slice(-6).join('\n');
        throw new Error(`hyperfine failed for ${c.name} (exit ${r.status}):\n${detail}`);
      }
      const report = JSON.parse(fs.readFileSync(tmp, 'utf8')) as { results: { times: number[] }[] };
      if (round >= (options.warmup ?? 0)) times.get(c.name)!.push(...report.results[0]!.times);
    }
  }
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(
    options.json,
    JSON.stringify({
      results: commands.map((c) => ({ command: c.command, name: c.name, times: times.get(c.name) })),
    }),
  );
  const out = new Map<string, Timing>();
  for (const [name, t] of times) {
    out.set(name, { times: t, median: median(t), min: Math.min(...t), max: Math.max(...t) });
  }
  return out;
}
