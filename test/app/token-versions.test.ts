import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TokenVersions } from '../../src/app/token-versions.js';
import { openDatabase } from '../../src/db/database.js';
import { DIALECTS } from '../support/databases.js';
import { HeldResult } from '../support/held-result.js';
import { insertUser, migratedDatabase } from '../support/inventory-rows.js';

for (const dialect of DIALECTS) {
  describe(`token versions on ${dialect}`, () => {
    for (const change of ['a password change', 'an account deletion'] as const) {
      test(`a read that began before ${change} does not bring the revoked version back`, async () => {
        const { database, scratch, close } = await migratedDatabase(dialect);
        // The versions' reads on a connection of their own: a result held back keeps its connection.
        const own = await openDatabase(scratch.parsed, { poolSize: 1 });
        try {
          const user = await insertUser(database);
          const slow = new HeldResult();
          const versions = new TokenVersions({ ...own, db: own.db.withPlugin(slow) });
          // A request with the user's token reads the version (0), and its answer is slow to come back…
          const hold = slow.holdNext();
          const inFlight = versions.current(user.id);
          await hold.reached;
          // …while the change commits and revokes the user's tokens.
          if (change === 'a password change') {
            await database.db
              .updateTable('users')
              .set({ token_version: 1 })
              .where('id', '=', user.id)
              .execute();
          } else {
            await database.db.deleteFrom('users').where('id', '=', user.id).execute();
          }
          await versions.revoked(user.id);
          hold.release();
          assert.equal(await inFlight, 0, 'that request was let through: it began before the change');
          // Requests after the revocation see the change, not the late read.
          const now = change === 'a password change' ? 1 : undefined;
          assert.equal(await versions.current(user.id), now);
          assert.equal(
            await versions.accepts({ ...user, version: 0, expiresAt: Date.now() + 60_000 }),
            false,
          );
        } finally {
          await own.destroy();
          await close();
        }
      });
    }

    test("a token newer than the remembered version is checked against the database (its password change's broadcast was missed)", async () => {
      const { database, close } = await migratedDatabase(dialect);
      try {
        const user = await insertUser(database);
        const versions = new TokenVersions(database);
        const revoked: (string | undefined)[] = [];
        versions.onRevoked((id) => revoked.push(id));
        const token = (version: number) => ({ ...user, version, expiresAt: Date.now() + 60_000 });
        assert.equal(await versions.accepts(token(0)), true, 'version 0 remembered');
        // Another instance changes the password; its broadcast never reaches this one.
        await database.db.updateTable('users').set({ token_version: 1 }).where('id', '=', user.id).execute();
        assert.equal(await versions.accepts(token(1)), true, 'the new token (and a fresh login) is accepted');
        assert.deepEqual(revoked, [user.id], "this instance's sockets with the old token are checked");
        assert.equal(await versions.accepts(token(0)), false, 'the old one refused from now on');
        // A forged-looking version above the database's is refused, and forgets nothing.
        assert.equal(await versions.accepts(token(7)), false);
        assert.equal(await versions.accepts(token(1)), true);
      } finally {
        await close();
      }
    });
  });
}
