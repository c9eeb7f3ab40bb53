import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../src/app/build-app.js';
import { defaultLogger } from '../../src/app/logger.js';
import { type AppDatabase, openDatabase } from '../../src/db/database.js';
import type { DialectName } from '../../src/migrate/index.js';
import { Client, migrateToHead, testConfig } from '../support/app.js';
import { DIALECTS, scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS } from '../support/engine.js';
import { insertUser } from '../support/inventory-rows.js';
import { TestSocket } from '../support/sockets.js';

/** A listening app logging through the production logger (defaultLogger) into `lines`. */
async function loggedApp(dialect: DialectName) {
  const scratch = await scratchDatabase(dialect);
  await migrateToHead(scratch);
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const database: AppDatabase = await openDatabase(scratch.parsed, { poolSize: 2 });
  const app: FastifyInstance = await buildApp({
    config: testConfig(scratch),
    database,
    logger: { ...(defaultLogger('info') as object), stream },
    env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    database,
    port,
    lines,
    close: async () => {
      await app.close();
      await database.destroy();
      await scratch.drop();
    },
  };
}

test('request logs carry a request id and never the access token of the WebSocket URL', async () => {
  const { app, database, port, lines, close } = await loggedApp('sqlite');
  let token = '';
  try {
    const alice = await insertUser(database, 'alice');
    token = app.tokens.sign(alice);
    const s = new TestSocket(`ws://127.0.0.1:${port}/api/ws/notification?access_token=${token}`);
    assert.equal((await s.next()).type, 'CONNECTION_ESTABLISHED');
    await s.close();
    await fetch(`http://127.0.0.1:${port}/api/notification/list`, { headers: { 'x-request-id': 'req-42' } });
  } finally {
    await close();
  }
  const text = lines.join('\n');
  assert.ok(token && !text.includes(token), 'no token in the logs');
  assert.match(text, /access_token=\[redacted\]/);
  // One access-log line per request, with the request id, method, URL, status and time.
  const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.reqId === 'req-42');
  assert.equal(logged.length, 1);
  assert.equal(logged[0].msg, 'request completed');
  assert.equal(logged[0].req.method, 'GET');
  assert.equal(logged[0].req.url, '/api/notification/list');
  assert.equal(logged[0].res.statusCode, 401);
  assert.equal(typeof logged[0].responseTime, 'number');
});

test('an access token under a percent-encoded parameter name, or a JWT under another name, is not logged either', async () => {
  const { app, database, port, lines, close } = await loggedApp('sqlite');
  let token = '';
  try {
    const alice = await insertUser(database, 'alice');
    token = app.tokens.sign(alice);
    // The query parser decodes names: this socket is signed in, like one with ?access_token=.
    const s = new TestSocket(`ws://127.0.0.1:${port}/api/ws/notification?v=2&access%5Ftoken=${token}`);
    assert.equal((await s.next()).type, 'CONNECTION_ESTABLISHED');
    await s.close();
    // A client that names it wrongly is refused, but the token is valid all the same.
    await fetch(`http://127.0.0.1:${port}/api/notification/list?token=${token}&limit=5`);
  } finally {
    await close();
  }
  const text = lines.join('\n');
  assert.ok(token && !text.includes(token.split('.')[2]!), 'no token in the logs');
  assert.match(text, /\?v=2&access%5Ftoken=\[redacted\]"/);
  assert.match(text, /list\?token=\[redacted\]&limit=5"/);
});

for (const dialect of DIALECTS) {
  describe(`logs on ${dialect}`, () => {
    test('a failed statement is logged without the values it carried: no password hash', async () => {
      const { database, port, lines, close } = await loggedApp(dialect);
      let hash = '';
      try {
        const api = new Client(`http://127.0.0.1:${port}`);
        const email = `logged.${dialect}@example.com`;
        const signup = await api.post('/api/auth/signup', { email, password: 'first-password' });
        assert.equal(signup.status, 200, signup.text);
        ({ password_hash: hash } = await database.db
          .selectFrom('users')
          .select('password_hash')
          .where('email', '=', email)
          .executeTakeFirstOrThrow());
        // The database refuses the password change (here a trigger: as a lock timeout or a full
        // disk would), and the statement that failed holds both the old and the new hash.
        const refuse = {
          sqlite: [
            sql`create trigger refuse before update on users begin select raise(abort, 'refused'); end`,
          ],
          mysql: [
            sql`create trigger refuse before update on users for each row signal sqlstate '45000' set message_text = 'refused'`,
          ],
          postgres: [
            sql`create function refuse() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$`,
            sql`create trigger refuse before update on users for each row execute function refuse()`,
          ],
        }[dialect];
        for (const statement of refuse) await statement.execute(database.db);
        const res = await new Client(api.baseUrl, signup.body.token).post('/api/user/change-password', {
          currentPassword: 'first-password',
          newPassword: 'second-password',
        });
        assert.equal(res.status, 500, res.text);
        assert.deepEqual(res.body, { detail: 'Internal server error' });
      } finally {
        await close();
      }
      const failed = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed');
      assert.ok(failed, 'the failure is logged');
      assert.match(failed.err.message, /refused/);
      const text = lines.join('\n');
      assert.ok(hash && !text.includes(hash), 'not the hash checked');
      assert.doesNotMatch(text, /\$2[aby]\$\d\d\$/, 'no bcrypt hash in the logs');
    });
  });
}
