import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { signUp } from '../support/app.js';
import { startBoundedServer } from '../support/bounded-server.js';
import { holdRow } from '../support/hold-row-lock.js';

const BOUND_MS = 2000;

// DB_TIMEOUT_SECONDS bounds a request's whole wait for the database: a request that waited for a
// pooled connection (held by a stalled request) and then for its statement does not get the bound
// twice over.
describe('one database deadline per request', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: a request that waited for a connection gets only what is left of the bound for its statements`, async () => {
      const server = await startBoundedServer(dialect, { dbTimeoutSeconds: BOUND_MS / 1000, poolSize: 1 });
      const holder = await openDatabase(server.scratch.parsed, { poolSize: 1 });
      let lock: Awaited<ReturnType<typeof holdRow>> | undefined;
      try {
        const user = await signUp(server.baseUrl, 'deadline');
        // Another session holds the user's row for longer than both requests wait.
        lock = await holdRow(holder, 'users', user.id);
        // The first request takes the only pooled connection and waits for the lock, the whole bound.
        const first = user.api.put('/api/user/profile', { name: 'First' });
        await new Promise((r) => setTimeout(r, BOUND_MS / 2));
        // The second waits half the bound for that connection, then for the same lock.
        const started = performance.now();
        const second = await user.api.put('/api/user/profile', { name: 'Second' });
        const took = performance.now() - started;
        assert.equal((await first).status, 503);
        assert.equal(second.status, 503, second.text);
        // Its own deadline: the bound (+ ending the session, milliseconds on a server that answers),
        // not the half it waited plus a whole bound for its statement (1.5 × the bound).
        assert.ok(took < BOUND_MS * 1.25, `the second request's 503 took ${Math.round(took)} ms`);
      } finally {
        lock?.release();
        await lock?.done;
        await server.close();
        await holder.destroy();
      }
    });
  }
});
