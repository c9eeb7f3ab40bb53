import type { Environment } from '../runtime/environment.js';

/**
 * `ensure_version [--sql]`: creates the version table if it does not exist, and nothing else (no
 * revision runs, no row is written). With `--sql`, prints its CREATE statement instead.
 */
export async function ensureVersion(env: Environment, opts: { sql?: boolean } = {}): Promise<void> {
  if (opts.sql) {
    env.announce(true);
    await env.load();
    for (const s of env.versionTable.createStatements()) env.output.stdout(`${s};\n\n`);
    return;
  }
  env.announce();
  await env.locked((conn) => env.ensureVersionTable(conn));
}
