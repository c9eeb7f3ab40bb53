import { constants } from 'node:os';
import { CommandError } from '../commands/errors.js';
import { ConfigurationError } from '../runtime/database-url.js';
import type { Environment } from '../runtime/environment.js';
import { MigrationError, MigrationInterrupted } from '../runtime/migration-error.js';
import { LOG } from '../runtime/output.js';
import { ScriptError } from '../script/script-directory.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, command: 255 } as const;

/**
 * Runs one command and maps what it throws to Alembic's conventions: a CommandError prints
 * `ERROR [...]` (once the database was reached) and `FAILED: msg`, exit 255, as do a bad setting
 * and a bad scripts folder (Alembic's CommandError too); anything else (a
 * failed revision, an unreachable database) one ERROR line, exit 1; a run stopped by a signal
 * (`stopOnSignals`) one ERROR line, exit 128 + the signal's number. Never a stack trace, unless
 * EXPIREEYE_DEBUG is set.
 */
export async function runCommand(env: Environment, work: () => Promise<unknown>): Promise<number> {
  const removeHandlers = stopOnSignals(env);
  try {
    await work();
    return EXIT.ok;
  } catch (e) {
    if (process.env.EXPIREEYE_DEBUG) console.error(e);
    if (e instanceof MigrationInterrupted) {
      env.output.error(LOG.migration, e.message);
      return 128 + (constants.signals[e.signal as NodeJS.Signals] ?? 0);
    }
    if (e instanceof CommandError) {
      if (e.logged) env.output.error('expireeye.util.messaging', e.message);
      env.output.stdout(`FAILED: ${e.message}\n`);
      return EXIT.command;
    }
    if (e instanceof MigrationError) {
      env.output.error(LOG.migration, e.message);
      return EXIT.failed;
    }
    if (e instanceof ConfigurationError || e instanceof ScriptError) {
      env.output.stdout(`FAILED: ${e.message}\n`);
      return EXIT.command;
    }
    env.output.error('expireeye', describeError(e));
    return EXIT.failed;
  } finally {
    removeHandlers();
    await env.close().catch(() => undefined);
  }
}

/**
 * Ctrl-C (SIGINT) or SIGTERM while an upgrade/downgrade applies revisions: the run stops once the
 * revision in progress is complete and recorded, releases the lock, and the command fails with a
 * message saying where it stopped. Otherwise — no revision running (waiting for the lock, any other
 * command) or a second signal — the process ends at once, as without a handler: the database rolls
 * back what was not committed (on MySQL/MariaDB the revision in progress may stay half applied;
 * the next run's error names it).
 */
function stopOnSignals(env: Environment): () => void {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    if (env.stop(signal)) {
      env.output.warn(
        LOG.migration,
        `${signal} received: stopping once the revision in progress is complete (again to quit at once)`,
      );
      return;
    }
    remove();
    process.kill(process.pid, signal);
  };
  const remove = () => {
    for (const s of signals) process.off(s, onSignal);
  };
  for (const s of signals) process.on(s, onSignal);
  return remove;
}

/** One line for a driver or system error: its code and message, never the password. */
export function describeError(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length) return describeError(e.errors[0]);
  if (e instanceof Error) {
    const code = (e as { code?: string }).code;
    const msg = e.message || String(e);
    return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
  }
  return String(e);
}
