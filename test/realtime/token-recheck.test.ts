// A revocation whose broadcast was lost for good (the instance that changed the password could not
// reach Redis, and stopped before it could publish again): the other instances' sockets opened with
// the old token are closed at the next periodic check, not left open for the token's lifetime.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrateToHead } from '../support/app.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { insertUser } from '../support/inventory-rows.js';
import { connected, type Instance, startInstance } from '../support/sockets.js';

for (const dialect of DIALECTS) {
  describe(`sockets rechecked against token revocations on ${dialect}`, () => {
    let scratch: ScratchDatabase;
    let server: Instance;
    before(async () => {
      scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      // The check rides the heartbeat: every second here.
      server = await startInstance(scratch, { WS_HEARTBEAT_SECONDS: '1' });
    });
    after(async () => {
      await server?.close();
      await scratch?.drop();
    });

    test('a password change or account deletion no broadcast announced closes the old sockets within a period', async () => {
      const changed = await insertUser(server.database, 'changed');
      const deleted = await insertUser(server.database, 'deleted');
      const kept = await insertUser(server.database, 'kept');
      const [oldToken, goneUser, bystander] = await Promise.all([
        connected(server.wsUrl, server.app.tokens.sign(changed)),
        connected(server.wsUrl, server.app.tokens.sign(deleted)),
        connected(server.wsUrl, server.app.tokens.sign(kept)),
      ]);
      // Written behind the server's back, as another instance's change whose broadcast was lost.
      await server.database.db
        .updateTable('users')
        .set({ token_version: 1 })
        .where('id', '=', changed.id)
        .execute();
      await server.database.db.deleteFrom('users').where('id', '=', deleted.id).execute();
      for (const s of [oldToken, goneUser]) {
        assert.deepEqual(await s.closedWithin(10_000), { code: 1008, reason: 'Access token revoked' });
      }
      assert.deepEqual(await bystander.ask('PING'), { type: 'pong' }, 'a valid token keeps its socket');
      await bystander.close();
    });
  });
}
