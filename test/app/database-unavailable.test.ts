import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/app/build-app.js';
import { parseDatabaseUrl } from '../../src/migrate/index.js';
import { testConfig } from '../support/app.js';
import { scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS } from '../support/engine.js';

describe('a database that cannot be reached while the server runs', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: requests that need it are a 503 with Retry-After, not a 500; status says unreachable`, async () => {
      const scratch = await scratchDatabase(dialect);
      // The same server settings, but the database's port has nothing listening (it went down).
      const down = parseDatabaseUrl(scratch.url.replace(/:(3306|5432)\//, ':1/'));
      const app = await buildApp({
        config: testConfig(scratch, { database: down }),
        logger: false,
        env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
      });
      try {
        await app.listen({ host: '127.0.0.1', port: 0 });
        const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
        const login = await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'a@example.com', password: 'whatever' }),
        });
        assert.equal(login.status, 503);
        assert.equal(login.headers.get('retry-after'), '5');
        assert.deepEqual(await login.json(), {
          detail: 'The database cannot be reached (it is down or restarting); try again shortly',
        });
        // An authenticated route: the token check itself needs the database.
        const token = app.tokens.sign({ id: 'a-user', email: 'a@example.com' });
        const list = await fetch(`${base}/api/product/user/list`, {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(list.status, 503);
        const statusReply = await fetch(`${base}/api/status`);
        assert.equal(statusReply.status, 503);
        assert.equal(statusReply.headers.get('retry-after'), '5');
        const status = (await statusReply.json()) as { database: unknown };
        assert.deepEqual(status.database, { reachable: false, atHead: null });
      } finally {
        await app.close();
        await scratch.drop();
      }
    });

    test(`${dialect}: a database host name that does not resolve is a 503 that names both causes, a host that is down and a wrong setting`, async () => {
      const scratch = await scratchDatabase(dialect);
      const misnamed = parseDatabaseUrl(scratch.url.replace('127.0.0.1', 'db.example.invalid'));
      const app = await buildApp({
        config: testConfig(scratch, { database: misnamed }),
        logger: false,
        env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
      });
      try {
        const login = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: 'a@example.com', password: 'whatever' },
        });
        assert.equal(login.statusCode, 503);
        assert.equal(login.headers['retry-after'], '5');
        assert.deepEqual(login.json(), {
          detail:
            "The database server's host name does not resolve: the database's host is down (try again shortly) or the server's database settings (DB_HOST, DATABASE_URL) name a wrong host",
        });
      } finally {
        await app.close();
        await scratch.drop();
      }
    });
  }
});
