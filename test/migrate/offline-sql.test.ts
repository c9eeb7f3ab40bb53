import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { CommandError } from '../../src/migrate/commands/errors.js';
import { downgrade, stamp, upgrade } from '../../src/migrate/commands/upgrade.js';
import { connect } from '../../src/migrate/index.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS, engine, scratchScripts, writeRevision } from '../support/engine.js';
import { applyWithNativeClient } from '../support/native-client.js';

/**
 * `upgrade --sql` is for a DBA to review and apply by hand: applied through the database's own
 * client it must produce exactly the schema (and version) that `upgrade` produces online —
 * including SQLite's copy-and-move, which the script spells out.
 */
/** Offline scripts never connect: a URL nothing listens on shows it. */
const UNREACHABLE: Record<(typeof DIALECTS)[number], string> = {
  sqlite: 'sqlite:/nonexistent/dir/never.sqlite',
  mysql: 'mysql://nobody@127.0.0.1:1/x',
  postgres: 'postgres://nobody@127.0.0.1:1/x',
};

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

    /**
     * `stamp --sql` scripts the version table as Alembic 1.8.1's run_migrations does (inside
     * BEGIN/COMMIT on PostgreSQL, as its env.py's begin_transaction() prints there): CREATE TABLE
     * only before a step that finds no row, DROP TABLE once no row is left. So `stamp base --sql`
     * is the DROP alone (it used to print a CREATE TABLE), `stamp A:B --sql` only the UPDATE, and
     * each script applies cleanly after the previous one.
     */
    test('stamp --sql: the version table is created before the first row and dropped after the last', async () => {
      const scripts = scratchScripts();
      const db = await scratchDatabase(dialect);
      try {
        writeRevision(scripts.dir, { id: 'aaaa00000001', message: 'one' });
        writeRevision(scripts.dir, { id: 'aaaa00000002', down: 'aaaa00000001', message: 'two' });
        /**
         * Checks the script of `stamp TARGET --sql` (identifiers unquoted) against what Alembic
         * writes, then applies it with the database's own client.
         */
        const stampScript = async (target: string, expected: string | RegExp) => {
          const { env, output } = engine(db.url, scripts.dir);
          try {
            await stamp(env, target, { sql: true });
          } finally {
            await env.close();
          }
          let plain = output.stdoutText.replace(/[`"]/g, '');
          // One transaction on PostgreSQL, as Alembic writes it there (transactional DDL); none
          // on MariaDB and SQLite, whose Alembic impls assume non-transactional DDL.
          if (dialect === 'postgres') {
            assert.match(plain, /^BEGIN;\n\n.*\nCOMMIT;\n\n$/s, target);
            plain = plain.slice('BEGIN;\n\n'.length, -'COMMIT;\n\n'.length);
          } else assert.doesNotMatch(plain, /BEGIN|COMMIT/, target);
          if (typeof expected === 'string') assert.equal(plain, expected, target);
          else assert.match(plain, expected, target);
          await applyWithNativeClient(db, output.stdoutText);
        };
        const state = () => schemaOf(db.url, scripts.dir);

        await stampScript('head', /^create table alembic_version .*\('aaaa00000002'\);\n\n$/is);
        await stampScript('base', 'drop table alembic_version;\n\n');
        assert.deepEqual(await state(), { tables: [], heads: [] });

        await stampScript(
          'aaaa00000001',
          /^create table alembic_version \(.*\);\n\n-- Running stamp_revision {2}-> aaaa00000001\n\ninsert into alembic_version \(version_num\) values \('aaaa00000001'\);\n\n$/is,
        );
        assert.deepEqual((await state()).heads, ['aaaa00000001']);
        await stampScript(
          'aaaa00000001:head',
          "-- Running stamp_revision aaaa00000001 -> aaaa00000002\n\nupdate alembic_version set version_num = 'aaaa00000002' where version_num = 'aaaa00000001';\n\n",
        );
        assert.deepEqual((await state()).heads, ['aaaa00000002']);
        await stampScript(
          'aaaa00000002:base',
          "-- Running stamp_revision aaaa00000002 -> \n\ndelete from alembic_version where version_num = 'aaaa00000002';\n\ndrop table alembic_version;\n\n",
        );
        assert.deepEqual(await state(), { tables: [], heads: [] });
      } finally {
        await db.drop();
        scripts.cleanup();
      }
    });

    /**
     * A timestamp literal without a zone is UTC, the engine's convention, and so is a Date a data
     * migration writes — online and in a `--sql` script, in a session whose time zone is not UTC:
     * PostgreSQL reads a zone-less literal in the session's TimeZone (here the scratch database's
     * own), so the default and the scripted row were 13 hours early in Auckland. MariaDB's
     * DATETIME keeps what is written (its script is applied under `SET time_zone = '+13:00'`).
     */
    test('timestamp literals and dates are UTC instants in a session that is not in UTC', async () => {
      const scripts = scratchScripts();
      const [online, offline] = await Promise.all([scratchDatabase(dialect), scratchDatabase(dialect)]);
      try {
        writeRevision(scripts.dir, {
          id: 'a2e000000001',
          message: 'events',
          upgrade: [
            "await op.createTable('events', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'at', type: 'timestamp', nullable: false, default: '2026-01-01 00:00:00' }], primaryKey: { name: 'pk_events', columns: ['id'] } });",
            // better-sqlite3 binds no Date: SQLite stores the UTC text the app writes.
            "const at = new Date('2026-03-01T12:00:00.000Z');",
            "await op.execute(op.db.insertInto('events').values({ id: 1, at: op.dialect === 'sqlite' ? '2026-03-01 12:00:00.000' : at }));",
          ],
          downgrade: ["await op.dropTable('events');"],
        });
        if (dialect === 'postgres') {
          for (const db of [online, offline]) {
            const k = await connect(db.parsed);
            await sql`alter database ${sql.id(db.parsed.database!)} set timezone to 'Pacific/Auckland'`.execute(
              k,
            );
            await k.destroy();
          }
        }
        const on = engine(online.url, scripts.dir);
        await upgrade(on.env, 'head');
        await on.env.close();
        const off = engine(offline.url, scripts.dir);
        await upgrade(off.env, 'head', { sql: true });
        const zone = dialect === 'mysql' ? "SET time_zone = '+13:00';\n" : '';
        await applyWithNativeClient(offline, zone + off.output.stdoutText);

        /** Row 1 from the revision, row 2 from the column's default; SQLite's text is UTC. */
        const instants = async (db: ScratchDatabase) => {
          const k = await connect(db.parsed);
          try {
            await k.insertInto('events').values({ id: 2 }).execute();
            const rows = await k.selectFrom('events').select(['id', 'at']).orderBy('id').execute();
            return rows.map((r) =>
              (r.at instanceof Date ? r.at : new Date(`${String(r.at).replace(' ', 'T')}Z`)).toISOString(),
            );
          } finally {
            await k.destroy();
          }
        };
        const expected = ['2026-03-01T12:00:00.000Z', '2026-01-01T00:00:00.000Z'];
        assert.deepEqual(await instants(online), expected, 'online');
        assert.deepEqual(await instants(offline), expected, '--sql');
      } finally {
        await Promise.all([online.drop(), offline.drop()]);
        scripts.cleanup();
      }
    });

    /** A script that never touches a database: an unreachable URL of the dialect shows it. */
    const offline = async (
      scripts: string,
      fn: (env: ReturnType<typeof engine>['env']) => Promise<unknown>,
    ) => {
      const { env, output } = engine(UNREACHABLE[dialect], scripts);
      try {
        await fn(env);
      } finally {
        await env.close();
      }
      return output.stdoutText;
    };

    test('a script with no step from base only drops the version table (upgrade base:base --sql)', async () => {
      const scripts = scratchScripts();
      try {
        writeRevision(scripts.dir, { id: 'aaaa00000001', message: 'one' });
        // Alembic creates the table only before a step, and drops it when the script ends with no row.
        const none = await offline(scripts.dir, (env) => upgrade(env, 'base:base', { sql: true }));
        assert.match(none, /^drop table \S+;\n\n$/);
        const same = await offline(scripts.dir, (env) =>
          upgrade(env, 'aaaa00000001:aaaa00000001', { sql: true }),
        );
        assert.equal(same, '');
      } finally {
        scripts.cleanup();
      }
    });

    test('stamp --purge --sql is refused, as Alembic refuses it', async () => {
      const scripts = scratchScripts();
      try {
        writeRevision(scripts.dir, { id: 'aaaa00000001', message: 'one' });
        await assert.rejects(
          offline(scripts.dir, (env) => stamp(env, 'head', { sql: true, purge: true })),
          (e: unknown) => e instanceof CommandError && e.message === "Can't use --purge with --sql mode",
        );
      } finally {
        scripts.cleanup();
      }
    });
  });
}
