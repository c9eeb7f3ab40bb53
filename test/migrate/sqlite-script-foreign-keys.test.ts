import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { upgrade } from '../../src/migrate/commands/upgrade.js';
import { MigrationError } from '../../src/migrate/runtime/migration-error.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS, engine, scratchScripts, writeRevision } from '../support/engine.js';
import { applyWithNativeClient } from '../support/native-client.js';

/**
 * A SQLite `upgrade --sql` script that rebuilds a table by copy-and-move drops it: applied by a
 * DBA whose session enforces foreign keys (`sqlite3 -cmd "PRAGMA foreign_keys=ON"`), that DROP
 * fired ON DELETE SET NULL / CASCADE on every row referencing the table. The script turns foreign
 * keys off around such a revision, as the online run does around the whole run. Online, with
 * foreign keys off, nothing stops a revision from leaving a row that points at a missing parent:
 * each revision is checked (`PRAGMA foreign_key_check`) before it is released, and refused if so.
 */

/** The script as sqlite3 runs it after `PRAGMA foreign_keys=ON` in the same session. */
const withForeignKeysOn = (script: string) => `PRAGMA foreign_keys=ON;\n${script}`;

if (DIALECTS.includes('sqlite')) {
  describe('SQLite --sql scripts and foreign keys', () => {
    let db: ScratchDatabase;
    let scripts: ReturnType<typeof scratchScripts>;
    beforeEach(async () => {
      db = await scratchDatabase('sqlite');
      scripts = scratchScripts();
    });
    afterEach(async () => {
      await db.drop();
      scripts.cleanup();
    });

    async function online<T>(dir: string, fn: (env: ReturnType<typeof engine>['env']) => Promise<T>) {
      const { env } = engine(db.url, dir);
      try {
        return await fn(env);
      } finally {
        await env.close();
      }
    }

    async function script(dir: string, range: string): Promise<string> {
      const { env, output } = engine(db.url, dir);
      try {
        await upgrade(env, range, { sql: true });
        return output.stdoutText;
      } finally {
        await env.close();
      }
    }

    const rows = (conn: Kysely<any>, query: string) =>
      sql
        .raw<Record<string, unknown>>(query)
        .execute(conn)
        .then((r) => r.rows);

    test('a parent rebuilt under children with ON DELETE SET NULL and CASCADE keeps them', async () => {
      const child = (name: string, action: string) =>
        `await op.createTable('${name}', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'parent_id', type: 'integer', nullable: true }], primaryKey: { name: 'pk_${name}', columns: ['id'] }, foreignKeys: [{ name: 'fk_${name}_parent_id_parent', columns: ['parent_id'], references: { table: 'parent', columns: ['id'] }, onDelete: '${action}' }] });`;
      writeRevision(scripts.dir, {
        id: 'f0c000000001',
        message: 'tables',
        upgrade: [
          "await op.createTable('parent', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'label', type: 'string(20)', nullable: true }], primaryKey: { name: 'pk_parent', columns: ['id'] } });",
          child('nulled', 'set null'),
          child('cascaded', 'cascade'),
        ],
      });
      writeRevision(scripts.dir, {
        id: 'f0c000000002',
        down: 'f0c000000001',
        message: 'rebuild parent',
        upgrade: ["await op.alterColumn('parent', 'label', { type: 'string(40)' });"],
      });
      writeRevision(scripts.dir, {
        id: 'f0c000000003',
        down: 'f0c000000002',
        message: 'no rebuild',
        upgrade: ["await op.addColumn('parent', { name: 'note', type: 'text', nullable: true });"],
      });

      // No copy-and-move, no pragma: as Alembic's SQLite scripts.
      const plain = await script(scripts.dir, 'f0c000000001');
      assert.doesNotMatch(plain, /PRAGMA/i);
      assert.doesNotMatch(await script(scripts.dir, 'f0c000000002:f0c000000003'), /PRAGMA/i);

      await online(scripts.dir, async (env) => {
        await upgrade(env, 'f0c000000001');
        const conn = await env.db();
        await sql`INSERT INTO parent (id, label) VALUES (1, 'p')`.execute(conn);
        await sql`INSERT INTO nulled (id, parent_id) VALUES (10, 1)`.execute(conn);
        await sql`INSERT INTO cascaded (id, parent_id) VALUES (20, 1)`.execute(conn);
      });
      const text = await script(scripts.dir, 'f0c000000001:head');
      // Off before the rebuilding revision's BEGIN (a no-op inside a transaction), on after its
      // COMMIT; the revision without a rebuild has neither.
      assert.match(
        text,
        /-- Running upgrade f0c000000001 -> f0c000000002\n\nPRAGMA foreign_keys=OFF;\n\nBEGIN;\n\n[\s\S]*?COMMIT;\n\nPRAGMA foreign_keys=ON;\n\n-- Running upgrade f0c000000002 -> f0c000000003\n\nBEGIN;/,
      );
      assert.equal(text.match(/PRAGMA/g)!.length, 2);
      await applyWithNativeClient(db, withForeignKeysOn(text));

      await online(scripts.dir, async (env) => {
        const conn = await env.db();
        assert.deepEqual(await env.currentHeads(conn), ['f0c000000003']);
        assert.deepEqual(await rows(conn, 'SELECT id, parent_id FROM nulled'), [{ id: 10, parent_id: 1 }]);
        assert.deepEqual(await rows(conn, 'SELECT id, parent_id FROM cascaded'), [{ id: 20, parent_id: 1 }]);
        assert.deepEqual(await rows(conn, 'PRAGMA foreign_key_check'), []);
      });
    });

    test("the app's migrations: 4e7b2d9c1a60 rebuilds user_products and notifications keep their link", async () => {
      await online(APP_MIGRATIONS, async (env) => {
        await upgrade(env, '90127f625a40');
        const conn = await env.db();
        await sql`INSERT INTO users (id, email, password_hash) VALUES ('u1', 'a@x', 'h')`.execute(conn);
        await sql`INSERT INTO products (id, name, name_key) VALUES ('p1', 'Milk', 'milk')`.execute(conn);
        await sql`INSERT INTO user_products (id, user_id, product_id) VALUES ('up1', 'u1', 'p1')`.execute(
          conn,
        );
        await sql`INSERT INTO notifications (id, user_id, user_product_id, type, message)
                  VALUES ('n1', 'u1', 'up1', 'expiry', 'soon')`.execute(conn);
      });
      const text = await script(APP_MIGRATIONS, '90127f625a40:head');
      assert.match(text, /PRAGMA foreign_keys=OFF;\n\nBEGIN;/);
      await applyWithNativeClient(db, withForeignKeysOn(text));
      await online(APP_MIGRATIONS, async (env) => {
        const conn = await env.db();
        assert.deepEqual(await rows(conn, 'SELECT id FROM user_products'), [{ id: 'up1' }]);
        assert.deepEqual(await rows(conn, 'SELECT id, user_product_id FROM notifications'), [
          { id: 'n1', user_product_id: 'up1' },
        ]);
      });
    });

    test('online: a revision that leaves a row pointing at a missing parent fails, and the database stays at the revision before', async () => {
      writeRevision(scripts.dir, {
        id: 'f0c000000011',
        message: 'tables',
        upgrade: [
          "await op.createTable('parent', { columns: [{ name: 'id', type: 'integer', nullable: false }], primaryKey: { name: 'pk_parent', columns: ['id'] } });",
          "await op.createTable('child', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'parent_id', type: 'integer', nullable: true }], primaryKey: { name: 'pk_child', columns: ['id'] }, foreignKeys: [{ name: 'fk_child_parent_id_parent', columns: ['parent_id'], references: { table: 'parent', columns: ['id'] }, onDelete: 'cascade' }] });",
        ],
      });
      // A data migration that deletes a parent: with foreign keys enforced it would take its
      // children along (CASCADE); the run has them off, so it leaves them pointing at nothing.
      writeRevision(scripts.dir, {
        id: 'f0c000000012',
        down: 'f0c000000011',
        message: 'prune parents',
        upgrade: [
          "await op.addColumn('parent', { name: 'note', type: 'text', nullable: true });",
          "await op.execute('DELETE FROM parent WHERE id = 1');",
        ],
      });
      writeRevision(scripts.dir, {
        id: 'f0c000000013',
        down: 'f0c000000012',
        message: 'after',
        upgrade: [
          "await op.createTable('later', { columns: [{ name: 'id', type: 'integer', nullable: false }] });",
        ],
      });
      await online(scripts.dir, async (env) => {
        await upgrade(env, 'f0c000000011');
        const conn = await env.db();
        await sql`INSERT INTO parent (id) VALUES (1), (2)`.execute(conn);
        await sql`INSERT INTO child (id, parent_id) VALUES (10, 1), (20, 2)`.execute(conn);
      });
      await online(scripts.dir, async (env) => {
        await assert.rejects(upgrade(env, 'head'), (e: unknown) => {
          assert.ok(e instanceof MigrationError, String(e));
          assert.equal(e.revision, 'f0c000000012');
          assert.match(
            e.message,
            /foreign key violation: a row of 'child' references a missing 'parent' row/,
          );
          return true;
        });
        const conn = await env.db();
        assert.deepEqual(await env.currentHeads(conn), ['f0c000000011']);
        // The whole revision was rolled back (its DDL too), and the one after it never ran.
        assert.deepEqual(await rows(conn, 'SELECT id FROM parent ORDER BY id'), [{ id: 1 }, { id: 2 }]);
        assert.deepEqual(
          (await rows(conn, 'PRAGMA table_info(parent)')).map((c) => c.name),
          ['id'],
        );
        assert.deepEqual(await rows(conn, "SELECT name FROM sqlite_master WHERE name = 'later'"), []);
        assert.deepEqual(await rows(conn, 'PRAGMA foreign_key_check'), []);
      });
    });
  });
}
