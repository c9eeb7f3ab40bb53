import { Command, CommanderError, Option } from 'commander';
import type { MigrationConfig } from '../runtime/config.js';
import { Environment } from '../runtime/environment.js';
import { consoleOutput, type Output } from '../runtime/output.js';
import { EXIT, runCommand } from './run-command.js';

export interface DbProgramOptions {
  /** Builds the configuration; may throw a one-line configuration error. */
  config: () => MigrationConfig;
  output?: Output;
  /** Extra commands (autogenerate, check) contributed by other layers. */
  extend?: (program: Command, run: (work: (env: Environment) => Promise<unknown>) => Promise<void>) => void;
}

const collect = (value: string, prev: string[] = []) => [...prev, value];

// Commands load on demand, so `history` never loads what `upgrade` needs (Kysely, DDL, drivers).
const commands = {
  inspect: () => import('../commands/inspect.js'),
  revision: () => import('../commands/revision.js'),
  migrate: () => import('../commands/upgrade.js'),
  autogenerate: () => import('../commands/autogenerate.js'),
  check: () => import('../commands/check.js'),
  edit: () => import('../commands/edit.js'),
  ensureVersion: () => import('../commands/ensure-version.js'),
};

/**
 * `db <command>`: Alembic's commands, names, arguments and semantics. Returns the exit code.
 */
export async function runDbProgram(argv: string[], options: DbProgramOptions): Promise<number> {
  const output = options.output ?? consoleOutput;
  let code: number = EXIT.ok;
  const run = async (work: (env: Environment) => Promise<unknown>) => {
    let env: Environment;
    try {
      env = new Environment(options.config(), output);
    } catch (e) {
      output.stdout(`FAILED: ${e instanceof Error ? e.message : String(e)}\n`);
      code = EXIT.command;
      return;
    }
    code = await runCommand(env, () => work(env));
  };

  const program = new Command('db')
    .description('Database migrations: an Alembic-compatible workflow')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });

  program
    .command('revision')
    .description('Create a new revision file')
    .option('-m, --message <message>', 'message string to use with the revision')
    .option(
      '--autogenerate',
      'populate the revision with the differences between the models and the database',
    )
    .option('--head <rev>', 'the revision to base the new one on (default: head)')
    .option('--splice', 'allow a non-head revision as the --head, creating a branch')
    .option('--branch-label <label>', 'a branch label for the new revision', collect)
    .option('--depends-on <rev>', 'a revision the new one depends on', collect)
    .option('--rev-id <id>', 'a hardcoded revision id instead of a generated one')
    .action(async (o) => {
      const opts = {
        message: o.message,
        head: o.head,
        splice: o.splice,
        branchLabel: o.branchLabel,
        dependsOn: o.dependsOn,
        revId: o.revId,
      };
      if (o.autogenerate) {
        const { autogenerate } = await commands.autogenerate();
        await run((env) => autogenerate(env, opts));
        return;
      }
      const revision = await commands.revision();
      await run((env) => revision.revision(env, opts));
    });

  program
    .command('check')
    .description('Check that the models and the database agree (for CI); lists each difference and exits 255')
    .action(async () => run(async (env) => (await commands.check()).check(env)));

  program
    .command('upgrade')
    .description('Upgrade to a later version')
    .argument(
      '<revision>',
      "target: head, heads, an id or prefix, +N, REV+N, label@head; with --sql also 'from:to'",
    )
    .option('--sql', "don't connect: print the SQL script for a DBA")
    .action(async (target: string, o) =>
      run(async (env) => (await commands.migrate()).upgrade(env, target, { sql: o.sql })),
    );

  program
    .command('downgrade')
    .description('Revert to a previous version')
    .argument('<revision>', "target: base, an id or prefix, -N, REV-N; with --sql 'from:to'")
    .option('--sql', "don't connect: print the SQL script for a DBA")
    .action(async (target: string, o) =>
      run(async (env) => (await commands.migrate()).downgrade(env, target, { sql: o.sql })),
    );

  program
    .command('current')
    .description('Display the current revision(s) of the database')
    .option('-v, --verbose', 'use more verbose output')
    .action(async (o) => run(async (env) => (await commands.inspect()).current(env, { verbose: o.verbose })));

  program
    .command('history')
    .description('List changeset scripts in chronological order (newest first)')
    .option('-r, --rev-range <range>', 'range, [start]:[end]')
    .option('-v, --verbose', 'use more verbose output')
    .option('-i, --indicate-current', 'indicate the current revision')
    .action(async (o) => {
      const { history } = await commands.inspect();
      await run((env) =>
        history(env, { range: o.revRange, verbose: o.verbose, indicateCurrent: o.indicateCurrent }),
      );
    });

  program
    .command('heads')
    .description('Show current available heads in the script directory')
    .option('-v, --verbose', 'use more verbose output')
    .option(
      '--resolve-dependencies',
      'treat dependency versions as down revisions (accepted for compatibility)',
    )
    .action(async (o) => run(async (env) => (await commands.inspect()).heads(env, { verbose: o.verbose })));

  program
    .command('branches')
    .description('Show current branch points')
    .option('-v, --verbose', 'use more verbose output')
    .action(async (o) =>
      run(async (env) => (await commands.inspect()).branches(env, { verbose: o.verbose })),
    );

  program
    .command('show')
    .description('Show the revision(s) denoted by the given symbol')
    .argument('<rev>')
    .action(async (rev: string) => run(async (env) => (await commands.inspect()).show(env, rev)));

  program
    .command('stamp')
    .description("'stamp' the version table with the given revision; don't run any migrations")
    .argument('<revisions...>', 'the revision(s): several stamp the heads of several branches')
    .option('--sql', "don't connect: print the SQL")
    .option('--purge', 'unconditionally erase the version table before stamping')
    .action(async (targets: string[], o) =>
      run(async (env) => (await commands.migrate()).stamp(env, targets, { purge: o.purge, sql: o.sql })),
    );

  program
    .command('merge')
    .description('Merge two revisions together, creating a new revision file')
    .argument('<revisions...>', "revisions to merge, or 'heads'")
    .option('-m, --message <message>', 'message string to use with the revision')
    .option('--rev-id <id>', 'a hardcoded revision id')
    .action(async (revs: string[], o) => {
      const { merge } = await commands.revision();
      await run((env) => merge(env, revs, { message: o.message, revId: o.revId }));
    });

  program
    .command('edit')
    .description('Edit revision script(s) using $EDITOR')
    .argument('<rev>', "an id or prefix, head, heads, label@head, or current (the database's)")
    .action(async (rev: string) => run(async (env) => (await commands.edit()).edit(env, rev)));

  program
    .command('ensure_version')
    .description('Create the version table')
    .option('--sql', "don't connect: print the SQL")
    .action(async (o) =>
      run(async (env) => (await commands.ensureVersion()).ensureVersion(env, { sql: o.sql })),
    );

  options.extend?.(program, run);
  program.addOption(new Option('--raiseerr', 'print stack traces (same as EXPIREEYE_DEBUG=1)').hideHelp());

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (isHelpAsked(e)) return EXIT.ok;
      return EXIT.usage;
    }
    throw e;
  }
  return code;
}

/**
 * `--help`, `help` and `--version` succeed. `commander.help` is also what a missing command
 * raises (the help, written to stderr, with exit code 1): that is a usage error, exit 2, as
 * Alembic's "too few arguments".
 */
function isHelpAsked(e: CommanderError): boolean {
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return true;
  return e.code === 'commander.help' && e.exitCode === 0;
}
