import { CommandError } from '../commands/errors.js';
import { ConfigurationError } from '../runtime/database-url.js';
import type { Environment } from '../runtime/environment.js';
import { MigrationError } from '../runtime/migration-error.js';
import { LOG } from '../runtime/output.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, command: 255 } as const;

/**
 * Runs one command and maps what it throws to Alembic's conventions: a CommandError prints
 * `ERROR [...]` (once the database was reached) and `FAILED: msg`, exit 255; anything else (a
 * failed revision, an unreachable database) one ERROR line, exit 1. Never a stack trace, unless
 * EXPIREEYE_DEBUG is set.
 */
export async function runCommand(env: Environment, work: () => Promise<unknown>): Promise<number> {
  try {
    await work();
    return EXIT.ok;
  } catch (e) {
    if (process.env.EXPIREEYE_DEBUG) console.error(e);
    if (e instanceof CommandError) {
      if (e.logged) env.output.error('expireeye.util.messaging', e.message);
      env.output.stdout(`FAILED: ${e.message}\n`);
      return EXIT.command;
    }
    if (e instanceof MigrationError) {
      env.output.error(LOG.migration, e.message);
      return EXIT.failed;
    }
    if (e instanceof ConfigurationError) {
      env.output.stdout(`FAILED: ${e.message}\n`);
      return EXIT.command;
    }
    env.output.error('expireeye', describeError(e));
    return EXIT.failed;
  } finally {
    await env.close().catch(() => undefined);
  }
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
