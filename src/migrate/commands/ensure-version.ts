import type { Environment } from '../runtime/environment.js';
import { offlineTransaction } from './offline-transaction.js';

/**
 * `ensure_version [--sql]`: creates the version table if it does not exist, and nothing else (no
 * revision runs, no row is written). With `--sql`, prints its CREATE statement instead (in BEGIN/COMMIT on PostgreSQL, as Alembic).
 */
export async function ensureVersion(env: Environment, opts: { sql?: boolean } = {}): Promise<void> {
  if (opts.sql) {
    env.announce(true);
    await env.load();
    await offlineTransaction(env, () => {
      for (const s of env.versionTable.createStatements()) env.output.stdout(`${s};\n\n`);
    });
    return;
  }
  env.announce();
  await env.locked((conn) => env.ensureVersionTable(conn));
}
