// Revision b4f72e2331ec compares e-mail addresses exactly on MySQL/MariaDB (utf8mb4_bin), where the
// default collation took `jose@…` and `josé@…` for one address. Its downgrade would give the default
// back and meet such pairs half-way: it refuses them first, naming them, and changes nothing.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { fromAppRevision, mysqlCollation, versionOf } from '../support/engine.js';

const REVISION = 'b4f72e2331ec';
const BELOW = '33fc795be171';

/** users.email's collation on MySQL/MariaDB. */
const emailCollation = (conn: Kysely<any>) => mysqlCollation(conn, 'users', 'email');

for (const dialect of DIALECTS) {
  describe(`exact e-mail addresses (${REVISION}) on ${dialect}`, () => {
    let db: ScratchDatabase;
    beforeEach(async () => {
      db = await scratchDatabase(dialect);
    });
    afterEach(() => db.drop());

    test('two addresses that differ only by accents: kept apart at head; a downgrade refuses them on MySQL, before changing anything', () =>
      fromAppRevision(db.url, 'head', async (env, conn) => {
        await conn
          .insertInto('users')
          .values([
            { id: 'u-plain', email: 'jose@example.com', password_hash: 'x', name: 'J' },
            { id: 'u-accent', email: 'josé@example.com', password_hash: 'x', name: 'J' },
          ])
          .execute();
        const version = () => versionOf(conn);
        if (dialect === 'mysql') {
          assert.equal(await emailCollation(conn), 'utf8mb4_bin');
          await assert.rejects(
            downgrade(env, BELOW),
            /Downgrade of revision b4f72e2331ec failed: cannot downgrade: .*u-accent "josé@example.com" and u-plain "jose@example.com".*nothing was changed/,
          );
          assert.equal(await version(), REVISION);
          assert.equal(await emailCollation(conn), 'utf8mb4_bin', 'nothing changed');
          await conn
            .updateTable('users')
            .set({ email: 'jose.2@example.com' })
            .where('id', '=', 'u-accent')
            .execute();
        }
        await downgrade(env, BELOW);
        assert.equal(await version(), BELOW);
        if (dialect === 'mysql') assert.equal(await emailCollation(conn), 'utf8mb4_general_ci');
        await upgrade(env, 'head');
        assert.equal(await version(), REVISION);
        if (dialect === 'mysql') assert.equal(await emailCollation(conn), 'utf8mb4_bin');
      }));
  });
}
