import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { upgrade } from '../../src/migrate/commands/upgrade.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { engine, scratchScripts, writeRevision } from '../support/engine.js';
import { applyWithNativeClient } from '../support/native-client.js';

/**
 * What SQLite's copy-and-move must carry over from an index a revision made itself with
 * op.execute, online and in an `upgrade --sql` script applied with sqlite3: a term's COLLATE and
 * DESC (rebuilt from the column name alone, a case-insensitive unique key became case-sensitive),
 * and, offline, the table's new name after op.renameTable.
 */

const CREATE_USERS =
  "await op.createTable('users', { columns: [" +
  "{ name: 'id', type: 'integer', nullable: false }, { name: 'email', type: 'string(100)', nullable: false }, " +
  "{ name: 'name', type: 'string(50)', nullable: true }, { name: 'active', type: 'integer', nullable: false }" +
  "], primaryKey: { name: 'pk_users', columns: ['id'] } });";

if (DIALECTS.includes('sqlite')) {
  describe('SQLite copy-and-move and hand-made indexes', () => {
    let online: ScratchDatabase;
    let offline: ScratchDatabase;
    let scripts: ReturnType<typeof scratchScripts>;
    beforeEach(async () => {
      online = await scratchDatabase('sqlite');
      offline = await scratchDatabase('sqlite');
      scripts = scratchScripts();
    });
    afterEach(async () => {
      await online.drop();
      await offline.drop();
      scripts.cleanup();
    });

    /** Upgrades `online` and applies the `upgrade head --sql` script to `offline` with sqlite3. */
    async function both(): Promise<void> {
      const on = engine(online.url, scripts.dir);
      try {
        await upgrade(on.env, 'head');
      } finally {
        await on.env.close();
      }
      const off = engine(offline.url, scripts.dir);
      try {
        await upgrade(off.env, 'head', { sql: true });
        await applyWithNativeClient(offline, off.output.stdoutText);
      } finally {
        await off.env.close();
      }
    }

    async function withDb<T>(db: ScratchDatabase, fn: (conn: Kysely<any>) => Promise<T>): Promise<T> {
      const { env } = engine(db.url, scripts.dir);
      try {
        return await fn(await env.db());
      } finally {
        await env.close();
      }
    }

    const storedIndexes = (conn: Kysely<any>) =>
      sql<{ name: string; sql: string | null }>`
        SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`
        .execute(conn)
        .then((r) => r.rows);

    test('a term with COLLATE NOCASE DESC keeps both through copy-and-move, online and --sql', async () => {
      writeRevision(scripts.dir, {
        id: 'c0a000000001',
        message: 'users',
        upgrade: [
          CREATE_USERS,
          "await op.execute('CREATE UNIQUE INDEX ux_email ON users (email COLLATE NOCASE DESC)');",
          // An explicit COLLATE naming the column's own collation (BINARY) is kept as written too.
          "await op.execute('CREATE INDEX ix_name ON users (name COLLATE BINARY, active)');",
          "await op.execute('CREATE INDEX ix_active ON users (active)');",
        ],
      });
      writeRevision(scripts.dir, {
        id: 'c0a000000002',
        down: 'c0a000000001',
        message: 'rebuild',
        upgrade: [
          "await op.alterColumn('users', 'name', { type: 'string(80)' });",
          // Renamed and rebuilt again: the kept statement follows the column.
          "await op.renameColumn('users', 'email', 'mail');",
          "await op.alterColumn('users', 'name', { type: 'string(90)' });",
        ],
      });
      await both();
      for (const db of [online, offline]) {
        await withDb(db, async (conn) => {
          const stored = await storedIndexes(conn);
          assert.match(
            stored.find((i) => i.name === 'ux_email')!.sql!,
            /^CREATE UNIQUE INDEX ux_email ON users \("?mail"? COLLATE NOCASE DESC\)$/,
          );
          assert.match(stored.find((i) => i.name === 'ix_name')!.sql!, /\(name COLLATE BINARY, active\)$/);
          const xinfo = await sql<{ desc: number; coll: string }>`
            SELECT "desc", coll FROM pragma_index_xinfo('ux_email') WHERE "key" = 1`.execute(conn);
          assert.deepEqual(xinfo.rows, [{ desc: 1, coll: 'NOCASE' }]);
          const [t] = await introspector('sqlite').getTables(conn, { tables: ['users'] });
          const ux = t!.indexes!.find((i) => i.name === 'ux_email')!;
          assert.deepEqual([ux.columns, ux.termOptions, ux.unique], [['mail'], true, true]);
          // A plain index stays plain: rebuilt from its columns.
          assert.equal(t!.indexes!.find((i) => i.name === 'ix_active')!.termOptions, undefined);
          // Still a case-insensitive unique key.
          await sql`INSERT INTO users (id, mail, active) VALUES (1, 'A@x', 1)`.execute(conn);
          await assert.rejects(
            sql`INSERT INTO users (id, mail, active) VALUES (2, 'a@X', 1)`.execute(conn),
            /UNIQUE constraint failed/,
          );
        });
      }
      assert.deepEqual(await withDb(offline, storedIndexes), await withDb(online, storedIndexes));
    });

    test('--sql: a partial or expression index follows op.renameTable into a later copy-and-move', async () => {
      writeRevision(scripts.dir, {
        id: 'c0a000000011',
        message: 'users',
        upgrade: [
          CREATE_USERS,
          "await op.execute('CREATE INDEX ix_p ON users (name) WHERE active = 1');",
          'await op.execute(\'CREATE INDEX ix_lower ON "users" (lower(email))\');',
          "await op.execute('CREATE UNIQUE INDEX ux_email ON [users] (email COLLATE NOCASE)');",
        ],
      });
      writeRevision(scripts.dir, {
        id: 'c0a000000012',
        down: 'c0a000000011',
        message: 'rename and rebuild',
        upgrade: [
          "await op.renameTable('users', 'people');",
          "await op.alterColumn('people', 'name', { type: 'string(80)' });",
        ],
      });
      await both();
      const schema = (conn: Kysely<any>) =>
        Promise.all([storedIndexes(conn), introspector('sqlite').getTables(conn, { tables: ['people'] })]);
      const on = await withDb(online, schema);
      assert.deepEqual(await withDb(offline, schema), on);
      assert.deepEqual(
        on[0].map((i) => i.sql),
        [
          'CREATE INDEX ix_lower ON "people" (lower(email))',
          'CREATE INDEX ix_p ON "people" (name) WHERE active = 1',
          'CREATE UNIQUE INDEX ux_email ON "people" (email COLLATE NOCASE)',
        ],
      );
    });

    test('--sql: a child rebuilt after its parent was renamed references the new name', async () => {
      writeRevision(scripts.dir, {
        id: 'c0a000000021',
        message: 'parent and child',
        upgrade: [
          CREATE_USERS,
          "await op.createTable('notes', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'user_id', type: 'integer', nullable: false }, { name: 'body', type: 'string(50)', nullable: true }], primaryKey: { name: 'pk_notes', columns: ['id'] }, foreignKeys: [{ name: 'fk_notes_user_id_users', columns: ['user_id'], references: { table: 'users', columns: ['id'] }, onDelete: 'cascade' }] });",
        ],
      });
      writeRevision(scripts.dir, {
        id: 'c0a000000022',
        down: 'c0a000000021',
        message: 'rename the parent, rebuild the child',
        upgrade: [
          "await op.renameTable('users', 'people');",
          "await op.alterColumn('notes', 'body', { type: 'string(80)' });",
        ],
      });
      await both();
      const schema = (conn: Kysely<any>) => introspector('sqlite').getTables(conn, { tables: ['notes'] });
      const on = await withDb(online, schema);
      assert.equal(on[0]?.foreignKeys?.[0]?.references.table, 'people');
      assert.deepEqual(await withDb(offline, schema), on);
    });
  });
}
