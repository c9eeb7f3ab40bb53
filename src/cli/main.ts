import { migrationConfig } from '../db/migration-config.js';
import { runDbProgram } from '../migrate/cli/db-program.js';

const USAGE = `usage: expireeye <command> [options]

commands:
  db <command>   database migrations (revision [--autogenerate], upgrade, downgrade, current,
                 history, heads, branches, show, stamp, merge, check); 'expireeye db --help' lists them
  sweep          run one expiry sweep and exit (cron); 'expireeye sweep --help'
  --version      print the version
`;

/** The `expireeye` executable. */
export async function main(argv: string[]): Promise<void> {
  // `expireeye db history | head`: once the reader is gone the rest of the output goes nowhere,
  // quietly and with the command's own exit code, rather than as an EPIPE stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.stdout.write = (() => true) as typeof process.stdout.write;
  });
  const [command, ...rest] = argv;
  let code = 0;
  if (command === 'db') {
    code = await runDbProgram(rest, { config: () => migrationConfig() });
  } else if (command === 'sweep') {
    // Loaded on demand: the db commands need neither the app's queries nor Redis.
    code = await (await import('../features/expiry/sweep-command.js')).sweepCommand(rest);
  } else if (command === '--version' || command === '-V') {
    const { readFileSync } = await import('node:fs');
    const { projectRoot } = await import('../paths.js');
    const pkg = JSON.parse(readFileSync(`${projectRoot}/package.json`, 'utf8')) as { version: string };
    process.stdout.write(`expireeye ${pkg.version}\n`);
  } else if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
  } else {
    process.stderr.write(`expireeye: unknown command '${command}'\n${USAGE}`);
    code = 2;
  }
  process.exitCode = code;
}
