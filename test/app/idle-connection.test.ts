import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../../src/app/build-app.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToHead, testConfig } from '../support/app.js';
import { scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS } from '../support/engine.js';
import { eventually } from '../support/eventually.js';

describe('an idle pooled connection ended by the database server', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: the server logs it, keeps running and answers with a new connection`, async () => {
      const scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      const warnings: string[] = [];
      const app = await buildApp({
        config: testConfig(scratch),
        logger: {
          level: 'warn',
          stream: { write: (line: string) => void warnings.push(JSON.parse(line).msg) },
        },
        env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
      });
      const admin = await openDatabase(scratch.parsed, { poolSize: 1 });
      try {
        await app.listen({ host: '127.0.0.1', port: 0 });
        const { port } = app.server.address() as AddressInfo;
        const status = async () =>
          (await fetch(`http://127.0.0.1:${port}/api/status`)).json() as Promise<any>;
        assert.deepEqual((await status()).database, { reachable: true, atHead: true });
        // The administrator ends every other session on the database (the app's idle connections).
        if (dialect === 'postgres') {
          const ended = await sql<{ n: number }>`
            SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(admin.db);
          assert.ok(ended.rows[0]!.n >= 1);
        } else {
          const others = await sql<{ id: number }>`
            SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()`.execute(
            admin.db,
          );
          assert.ok(others.rows.length >= 1);
          for (const { id } of others.rows) await sql.raw(`KILL ${Number(id)}`).execute(admin.db);
        }
        // The pool hears of it (and drops the connection) while nothing is running on it.
        assert.ok(
          await eventually(() =>
            warnings.includes('an idle database connection was closed; the pool replaces it'),
          ),
          `logged: ${warnings.join('; ')}`,
        );
        // Still serving (an uncaught error would have failed this test), on a fresh connection.
        const again = await fetch(`http://127.0.0.1:${port}/api/auth/signup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'A', email: `idle.${dialect}@example.com`, password: 'secret-pw' }),
        });
        assert.equal(again.status, 200);
      } finally {
        await app.close();
        await admin.destroy();
        await scratch.drop();
      }
    });
  }
});
