import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { buildApp } from '../../src/app/build-app.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToHead, testConfig } from '../support/app.js';
import { scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS } from '../support/engine.js';
import { insertUser } from '../support/inventory-rows.js';

describe('shutting down while a handler whose client hung up is still at work', () => {
  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect}: the handler finishes its work before the pool closes`, async () => {
      const scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      // The app opens and owns its pool, as the server does.
      const app = await buildApp({
        config: testConfig(scratch),
        logger: false,
        env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
      });
      const check = await openDatabase(scratch.parsed, { poolSize: 1 });
      try {
        await app.listen({ host: '127.0.0.1', port: 0 });
        const { port } = app.server.address() as AddressInfo;
        const alice = await insertUser(check, 'alice');
        // 300 items, each in its own transaction: long enough to be caught midway.
        const products = Array.from({ length: 300 }, (_, i) => ({ productName: `Item ${i}`, quantity: 1 }));
        const client = new AbortController();
        const sent = fetch(`http://127.0.0.1:${port}/api/product/user/add-mass`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${app.tokens.sign(alice)}` },
          body: JSON.stringify({ products }),
          signal: client.signal,
        }).catch((e: Error) => e);
        while (app.inFlight.count === 0) await new Promise((r) => setTimeout(r, 2));
        // The client leaves, and the server is told to stop, while the handler is adding items.
        client.abort();
        assert.ok((await sent) instanceof Error);
        await app.close();
        const added = await check.db
          .selectFrom('user_products')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('user_id', '=', alice.id)
          .executeTakeFirstOrThrow();
        assert.equal(Number(added.n), 300, 'every item added: the pool closed only after the handler');
      } finally {
        await app.close();
        await check.destroy();
        await scratch.drop();
      }
    });
  }
});
