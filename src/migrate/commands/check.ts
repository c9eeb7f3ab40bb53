import { compareWithDatabase } from '../autogenerate/api.js';
import { describeOp } from '../autogenerate/describe.js';
import type { DiffOp } from '../autogenerate/diff-ops.js';
import type { Environment } from '../runtime/environment.js';
import { CommandError } from './errors.js';

/**
 * `check` (Alembic 1.9): for CI. Exits 0 with "No new upgrade operations detected." when the models
 * and the database agree; otherwise fails (exit 255) listing one difference per line, so a model
 * change committed without its revision breaks the build.
 */
export async function check(env: Environment): Promise<DiffOp[]> {
  const result = await compareWithDatabase(env);
  if (result.ops.length === 0) {
    env.output.stdout('No new upgrade operations detected.\n');
    return [];
  }
  const lines = result.ops.flatMap(describeOp).map((l) => `  ${l}`);
  throw new CommandError(`New upgrade operations detected:\n${lines.join('\n')}`, true);
}
