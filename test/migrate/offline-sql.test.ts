import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { DIALECTS, scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS, engine, scratchScripts, writeRevision } from '../support/engine.js';
import { applyWithNativeClient } from '../support/native-client.js';

/**
 * `upgrade --sql` is for a DBA to review and apply by hand: applied through the database's own
 * client it must produce exactly the schema (and version) that `upgrade` produces online —
 * including SQLite's copy-and-move, which the script spells out.
 */
for (const dialect of DIALECTS) {
  describe(`--sql on ${dialect}`, () => {
    const schemaOf = async (url: string, scriptDir: string) => {
      const { env } = engine(url, scriptDir);
      try {
        const conn = await env.db();
        return { tables: await introspector(dialect).getTables(conn), heads: await env.currentHeads(conn) };
      } finally {
        await env.close();
      }
    };

    const compare = async (scriptDir: string) => {
      const [online, offline] = await Promise.all([scratchDatabase(dialect), scratchDatabase(dialect)]);
      try {
        const on = engine(online.url, scriptDir);
        await upgrade(on.env, 'head');
        await on.env.close();
        const off = engine(offline.url, scriptDir);
        await upgrade(off.env, 'head', { sql: true });
        await applyWithNativeClient(offline, off.output.stdoutText);
        assert.deepEqual(await schemaOf(offline.url, scriptDir), await schemaOf(online.url, scriptDir));

        // And back down: `downgrade head:base --sql` empties both the same way.
        const downOff = engine(offline.url, scriptDir);
        await downgrade(downOff.env, 'head:base', { sql: true });
        assert.match(downOff.output.stdoutText, /drop table "?`?alembic_version"?`?;\n\n$/);
        await applyWithNativeClient(offline, downOff.output.stdoutText);
        assert.deepEqual((await schemaOf(offline.url, scriptDir)).tables, []);
      } finally {
        await Promise.all([online.drop(), offline.drop()]);
      }
    };

    test('the app migrations', () => compare(APP_MIGRATIONS));

    test('alterations that need copy-and-move on SQLite, and a data migration', async () => {
      const scripts = scratchScripts();
      try {
        writeRevision(scripts.dir, {
          id: '0ff100000001',
          message: 'tables',
          upgrade: [
            "await op.createTable('owners', { columns: [{ name: 'id', type: 'integer', nullable: false }], primaryKey: { name: 'pk_owners', columns: ['id'] } });",
            "await op.createTable('pets', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'owner_id', type: 'integer', nullable: true }, { name: 'name', type: 'string(50)', nullable: true }], primaryKey: { name: 'pk_pets', columns: ['id'] } });",
            "await op.createIndex('ix_pets_name', 'pets', ['name']);",
            "await op.execute(op.db.insertInto('pets').values({ id: 1, name: \"O'Malley\" }));",
          ],
          downgrade: ["await op.dropTable('pets');", "await op.dropTable('owners');"],
        });
        writeRevision(scripts.dir, {
          id: '0ff100000002',
          down: '0ff100000001',
          message: 'constraints',
          upgrade: [
            "await op.createForeignKey('fk_pets_owner_id_owners', 'pets', 'owners', ['owner_id'], ['id'], { onDelete: 'cascade' });",
            "await op.alterColumn('pets', 'name', { nullable: false, default: 'unnamed' });",
            "await op.execute(op.db.updateTable('pets').set({ name: 'Tom' }).where('name', '=', \"O'Malley\"));",
          ],
          downgrade: [
            "await op.alterColumn('pets', 'name', { nullable: true, default: null });",
            "await op.dropConstraint('fk_pets_owner_id_owners', 'pets', 'foreignkey');",
          ],
        });
        await compare(scripts.dir);
      } finally {
        scripts.cleanup();
      }
    });
  });
}
