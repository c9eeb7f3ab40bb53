import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { sql } from 'kysely';
import * as inspect from '../../src/migrate/commands/inspect.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS, engine, scratchScripts, writeRevision } from '../support/engine.js';

for (const dialect of DIALECTS) {
  describe(`runtime on ${dialect}`, () => {
    // Each test gets a database of its own.
    let db: ScratchDatabase;
    beforeEach(async () => {
      db = await scratchDatabase(dialect);
    });
    afterEach(() => db.drop());

    test('the app schema: upgrade head → downgrade base → upgrade head leaves the same schema', async () => {
      const { env } = engine(db.url, APP_MIGRATIONS);
      try {
        await upgrade(env, 'head');
        const first = await introspector(dialect).getTables(await env.db());
        assert.deepEqual(first.map((t) => t.name).sort(), [
          'alembic_version',
          'notifications',
          'nutrition',
          'products',
          'scan_logs',
          'user_products',
          'users',
        ]);
        await downgrade(env, 'base');
        const empty = await introspector(dialect).getTables(await env.db());
        assert.deepEqual(
          empty.map((t) => t.name),
          ['alembic_version'],
        );
        await upgrade(env, 'head');
        const again = await introspector(dialect).getTables(await env.db());
        assert.deepEqual(again, first);
        await downgrade(env, 'base');
      } finally {
        await env.close();
      }
    });

    test("a data migration transforms rows (the seed's status backfill)", async () => {
      const scripts = scratchScripts();
      writeRevision(scripts.dir, {
        id: 'da7a00000001',
        message: 'users',
        upgrade: [
          "await op.createTable('users', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'status', type: 'string(20)', nullable: true }], primaryKey: { name: 'pk_users', columns: ['id'] } });",
          "await op.execute(op.db.insertInto('users').values([{ id: 1, status: null }, { id: 2, status: 'banned' }, { id: 3, status: null }]));",
        ],
        downgrade: ["await op.dropTable('users');"],
      });
      writeRevision(scripts.dir, {
        id: 'da7a00000002',
        down: 'da7a00000001',
        message: 'backfill status',
        upgrade: [
          "await op.execute(op.db.updateTable('users').set({ status: 'active' }).where('status', 'is', null));",
        ],
        downgrade: ['// Data migrations often cannot be reversed.'],
      });
      const { env } = engine(db.url, scripts.dir);
      try {
        await upgrade(env, 'head');
        const rows = await sql<{
          id: number;
          status: string;
        }>`SELECT id, status FROM users ORDER BY id`.execute(await env.db());
        assert.deepEqual(
          rows.rows.map((r) => [Number(r.id), r.status]),
          [
            [1, 'active'],
            [2, 'banned'],
            [3, 'active'],
          ],
        );
        await downgrade(env, 'base');
      } finally {
        await env.close();
        scripts.cleanup();
      }
    });

    test('a data migration binds booleans and Dates alike on every database (SQLite cannot bind them as such)', async () => {
      const scripts = scratchScripts();
      writeRevision(scripts.dir, {
        id: 'b00100000001',
        message: 'tasks',
        upgrade: [
          "await op.createTable('tasks', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'done', type: 'boolean', nullable: true }, { name: 'due', type: 'timestamp', nullable: true }], primaryKey: { name: 'pk_tasks', columns: ['id'] } });",
          "await op.execute(op.db.insertInto('tasks').values([{ id: 1, done: true, due: new Date('2024-03-05T06:07:08.123Z') }, { id: 2, done: false, due: null }]));",
        ],
        downgrade: ["await op.dropTable('tasks');"],
      });
      writeRevision(scripts.dir, {
        id: 'b00100000002',
        down: 'b00100000001',
        message: 'due dates for open tasks',
        upgrade: [
          // Read on the migration's connection, with a boolean bound; then a Date in an update.
          "const open = await op.db.selectFrom('tasks').select('id').where('done', '=', false).execute();",
          "await op.execute(op.db.updateTable('tasks').set({ due: new Date('2025-01-01T00:00:00.000Z') }).where('id', 'in', open.map((r) => r.id)));",
        ],
        downgrade: [
          "await op.execute(op.db.updateTable('tasks').set({ due: null }).where('done', '=', false));",
        ],
      });
      const { env } = engine(db.url, scripts.dir);
      const instant = (v: unknown) =>
        (typeof v === 'string' ? new Date(`${v.replace(' ', 'T')}Z`) : (v as Date)).toISOString();
      const tasks = async () =>
        (
          await sql<{
            id: number;
            done: unknown;
            due: unknown;
          }>`SELECT id, done, due FROM tasks ORDER BY id`.execute(await env.db())
        ).rows.map((r) => [Number(r.id), Number(r.done), r.due === null ? null : instant(r.due)]);
      try {
        await upgrade(env, 'head');
        assert.deepEqual(await tasks(), [
          [1, 1, '2024-03-05T06:07:08.123Z'],
          [2, 0, '2025-01-01T00:00:00.000Z'],
        ]);
        await downgrade(env, 'b00100000001');
        assert.deepEqual((await tasks())[1], [2, 0, null]);
        await downgrade(env, 'base');
      } finally {
        await env.close();
        scripts.cleanup();
      }
    });

    test('alterations SQLite cannot do in place keep rows, indexes and foreign keys (copy-and-move elsewhere)', async () => {
      const scripts = scratchScripts();
      writeRevision(scripts.dir, {
        id: 'ba7c00000001',
        message: 'tables',
        upgrade: [
          "await op.createTable('owners', { columns: [{ name: 'id', type: 'integer', nullable: false }], primaryKey: { name: 'pk_owners', columns: ['id'] } });",
          "await op.createTable('pets', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'owner_id', type: 'integer', nullable: true }, { name: 'name', type: 'string(50)', nullable: true }, { name: 'legs', type: 'integer', nullable: true }], primaryKey: { name: 'pk_pets', columns: ['id'] }, foreignKeys: [{ name: 'fk_pets_owner_id_owners', columns: ['owner_id'], references: { table: 'owners', columns: ['id'] }, onDelete: 'cascade' }] });",
          "await op.createIndex('ix_pets_name', 'pets', ['name']);",
          "await op.execute(op.db.insertInto('owners').values([{ id: 1 }, { id: 2 }]));",
          "await op.execute(op.db.insertInto('pets').values([{ id: 1, owner_id: 1, name: 'Rex', legs: 4 }, { id: 2, owner_id: 2, name: 'Tweety', legs: 2 }]));",
        ],
        downgrade: ["await op.dropTable('pets');", "await op.dropTable('owners');"],
      });
      writeRevision(scripts.dir, {
        id: 'ba7c00000002',
        down: 'ba7c00000001',
        message: 'alter',
        upgrade: [
          "await op.alterColumn('pets', 'name', { nullable: false, type: 'string(100)' });",
          "await op.alterColumn('pets', 'legs', { default: 4 });",
          "await op.createUniqueConstraint('uq_pets_name', 'pets', ['name']);",
          "await op.dropColumn('pets', 'legs');",
          "await op.renameColumn('pets', 'name', 'nickname');",
        ],
        downgrade: [
          "await op.renameColumn('pets', 'nickname', 'name');",
          "await op.addColumn('pets', { name: 'legs', type: 'integer', nullable: true });",
          "await op.dropConstraint('uq_pets_name', 'pets', 'unique');",
          "await op.alterColumn('pets', 'name', { nullable: true, type: 'string(50)' });",
        ],
      });
      const { env } = engine(db.url, scripts.dir);
      try {
        await upgrade(env, 'head');
        const conn = await env.db();
        const [pets] = await introspector(dialect).getTables(conn, { tables: ['pets'] });
        assert.ok(pets);
        const nick = pets.columns.find((c) => c.name === 'nickname')!;
        assert.equal(nick.type, 'string(100)');
        assert.equal(nick.nullable, false);
        assert.equal(
          pets.columns.some((c) => c.name === 'legs'),
          false,
        );
        assert.deepEqual(
          pets.uniqueConstraints?.map((u) => [u.name, u.columns]),
          [['uq_pets_name', ['nickname']]],
        );
        assert.deepEqual(
          pets.indexes?.map((i) => [i.name, i.columns]),
          [['ix_pets_name', ['nickname']]],
        );
        assert.deepEqual(
          pets.foreignKeys?.map((f) => [f.name, f.onDelete]),
          [['fk_pets_owner_id_owners', 'cascade']],
        );
        const rows = await sql<{
          id: number;
          nickname: string;
        }>`SELECT id, nickname FROM pets ORDER BY id`.execute(conn);
        assert.deepEqual(
          rows.rows.map((r) => [Number(r.id), r.nickname]),
          [
            [1, 'Rex'],
            [2, 'Tweety'],
          ],
        );
        // The foreign key still works after the rebuild: deleting an owner cascades.
        await sql`DELETE FROM owners WHERE id = 1`.execute(conn);
        const left = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM pets`.execute(conn);
        assert.equal(Number(left.rows[0]!.n), 1);
        await downgrade(env, 'ba7c00000001');
        const [back] = await introspector(dialect).getTables(conn, { tables: ['pets'] });
        assert.equal(back!.columns.find((c) => c.name === 'name')?.type, 'string(50)');
        assert.deepEqual(back!.uniqueConstraints, []);
        await downgrade(env, 'base');
      } finally {
        await env.close();
        scripts.cleanup();
      }
    });

    test('current on a database that was never migrated creates nothing', async () => {
      const { env, output } = engine(db.url, APP_MIGRATIONS);
      try {
        await env.db().then((c) => sql`DROP TABLE IF EXISTS alembic_version`.execute(c));
        await inspect.current(env);
        assert.equal(output.stdoutText, '');
        const names = (await introspector(dialect).getTables(await env.db())).map((t) => t.name);
        assert.deepEqual(names, []);
      } finally {
        await env.close();
      }
    });
  });
}
