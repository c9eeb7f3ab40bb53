import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { startBoundedServer } from '../support/bounded-server.js';
import { holdRow } from '../support/hold-row-lock.js';
import { insertItem, insertProduct, insertUser } from '../support/inventory-rows.js';
import { within } from '../support/within.js';

// SWEEP_STATEMENT_TIMEOUT_SECONDS bounds the in-server sweep's statements whatever
// DB_TIMEOUT_SECONDS is: turning the requests' bound off (0) leaves the sweep's in place.
describe("the in-server sweep's statement bound without a request bound", () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: DB_TIMEOUT_SECONDS=0, SWEEP_STATEMENT_TIMEOUT_SECONDS=1: a sweep stuck on a lock fails within the bound`, async () => {
      const server = await startBoundedServer(
        dialect,
        { dbTimeoutSeconds: 0 },
        { SWEEP_STATEMENT_TIMEOUT_SECONDS: '1' },
      );
      const holder = await openDatabase(server.scratch.parsed, { poolSize: 1 });
      let lock: Awaited<ReturnType<typeof holdRow>> | undefined;
      try {
        const user = await insertUser(holder, 'swept');
        const product = await insertProduct(holder, 'Old milk');
        const item = await insertItem(holder, {
          userId: user.id,
          productId: product,
          expiryDate: '2020-01-01',
        });
        // Another session holds the expired item's row: the sweep's chunk waits on it.
        lock = await holdRow(holder, 'user_products', item);
        const outcome = await within(
          server.app.expirySweeper.runOnce().then(
            () => 'swept',
            (e: unknown) => e,
          ),
          15_000,
        );
        assert.notEqual(outcome, 'still waiting', 'the sweep had no bound');
        // Failed, not swept, and the error says why: the bound, not what releasing the lock on the
        // connection the bound discarded said after it (PostgreSQL: "connection has been discarded").
        assert.ok(outcome instanceof Error, String(outcome));
        assert.match(outcome.message, /within SWEEP_STATEMENT_TIMEOUT_SECONDS \(1 s\)/);
      } finally {
        lock?.release();
        await lock?.done;
        await server.close();
        await holder.destroy();
      }
    });
  }
});
