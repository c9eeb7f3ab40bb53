import type { Environment } from '../runtime/environment.js';

/**
 * Writes `body`'s script inside BEGIN;/COMMIT; where Alembic does for a command run offline
 * without revisions (stamp, ensure_version): its env.py runs every command inside
 * context.begin_transaction(), which under --sql prints the two lines around the whole script
 * when the impl assumes transactional DDL. That is PostgreSQL only: Alembic's SQLiteImpl assumes
 * non-transactional DDL, unlike ours, and Alembic 1.8.1's SQLite and MariaDB scripts have neither
 * line. (`upgrade --sql` wraps each revision instead, as the online run commits each one.)
 */
export async function offlineTransaction<T>(env: Environment, body: () => Promise<T> | T): Promise<T> {
  const wrap = env.impl.name === 'postgres';
  if (wrap) env.output.stdout('BEGIN;\n\n');
  const result = await body();
  if (wrap) env.output.stdout('COMMIT;\n\n');
  return result;
}
