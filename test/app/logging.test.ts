import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { buildApp, defaultLogger } from '../../src/app/build-app.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToHead, testConfig } from '../support/app.js';
import { scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS } from '../support/engine.js';
import { insertUser } from '../support/inventory-rows.js';
import { TestSocket } from '../support/sockets.js';

test('request logs carry a request id and never the access token of the WebSocket URL', async () => {
  const scratch = await scratchDatabase('sqlite');
  await migrateToHead(scratch);
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const database = await openDatabase(scratch.parsed, { poolSize: 2 });
  let token = '';
  const app = await buildApp({
    config: testConfig(scratch),
    database,
    logger: { ...(defaultLogger('info') as object), stream },
    env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const alice = await insertUser(database, 'alice');
    token = app.tokens.sign(alice);
    const s = new TestSocket(`ws://127.0.0.1:${port}/api/ws/notification?access_token=${token}`);
    assert.equal((await s.next()).type, 'CONNECTION_ESTABLISHED');
    await s.close();
    await fetch(`http://127.0.0.1:${port}/api/notification/list`, { headers: { 'x-request-id': 'req-42' } });
  } finally {
    await app.close();
    await database.destroy();
    await scratch.drop();
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
