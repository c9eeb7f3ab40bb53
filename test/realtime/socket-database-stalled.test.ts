import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/app/build-app.js';
import { testConfig } from '../support/app.js';
import { APP_MIGRATIONS } from '../support/engine.js';
import { insertUser } from '../support/inventory-rows.js';
import { proxiedDatabase } from '../support/proxied-database.js';
import { connected } from '../support/sockets.js';

// A socket command the database cannot serve is answered as the HTTP API's 503 is: why, and that
// trying again shortly can help — and the socket stays open for when it is back.
describe('a socket command while the database does not answer', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: mark_all_read gets the 503's reason in its error frame; once the database is back it works`, async () => {
      const proxied = await proxiedDatabase(dialect);
      const { scratch, proxy: dbProxy, database, direct } = proxied;
      const app = await buildApp({
        config: testConfig(scratch),
        database,
        logger: false,
        env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
      });
      try {
        await app.listen({ host: '127.0.0.1', port: 0 });
        const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
        const user = await insertUser(direct, 'gus');
        const socket = await connected(
          `${base.replace('http', 'ws')}/api/ws/notification`,
          app.tokens.sign(user),
        );
        // Answered once the connect's backlog has been read (the socket handles messages after it).
        assert.deepEqual(await socket.ask('PING'), { type: 'pong' });
        dbProxy.stall();
        const failed = await socket.ask(JSON.stringify({ action: 'mark_all_read' }));
        assert.deepEqual(failed, {
          type: 'error',
          message: 'The database did not answer in time; try again shortly',
        });
        dbProxy.resume();
        const done = await socket.ask(JSON.stringify({ action: 'mark_all_read' }));
        assert.equal(done.type, 'mark_all_read', JSON.stringify(done));
        await socket.close();
      } finally {
        dbProxy.resume();
        await app.close();
        await proxied.close();
      }
    });
  }
});
