import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { sql } from 'kysely';
import { upgrade } from '../../src/migrate/commands/upgrade.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { MigrationError } from '../../src/migrate/runtime/migration-error.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { engine, scratchScripts, writeRevision } from '../support/engine.js';

const INT_ID = "{ name: 'id', type: 'integer', nullable: false }";

// On MySQL/MariaDB each revision travels as one multi-statement request and the next revision is
// prepared while the server runs it (src/migrate/runtime/batched-sink.ts); elsewhere statements go
// one by one inside the revision's transaction. What a user sees must not depend on that: which
// statement failed, what ran, what a revision reads, which "Running" lines are printed.
for (const dialect of DIALECTS) {
  describe(`running revisions on ${dialect}`, () => {
    let db: ScratchDatabase;
    beforeEach(async () => {
      db = await scratchDatabase(dialect);
    });
    afterEach(() => db.drop());

    test('a generated statement fails inside a revision: the error names it, nothing after it runs, the next revision is never announced', async () => {
      const scripts = scratchScripts();
      writeRevision(scripts.dir, {
        id: 'b00000000001',
        message: 'one',
        upgrade: [`await op.createTable('t1', { columns: [${INT_ID}] });`],
      });
      writeRevision(scripts.dir, {
        id: 'b00000000002',
        down: 'b00000000001',
        message: 'two',
        upgrade: [
          `await op.createTable('t2', { columns: [${INT_ID}] });`,
          "await op.addColumn('t1', { name: 'extra', type: 'integer', nullable: true });",
          "await op.addColumn('t1', { name: 'id', type: 'integer', nullable: true });",
          `await op.createTable('t3', { columns: [${INT_ID}] });`,
        ],
      });
      writeRevision(scripts.dir, {
        id: 'b00000000003',
        down: 'b00000000002',
        message: 'three',
        upgrade: [`await op.createTable('t4', { columns: [${INT_ID}] });`],
      });
      const { env, output } = engine(db.url, scripts.dir);
      try {
        await env.load();
        const duplicate = env.impl.addColumn('t1', { name: 'id', type: 'integer', nullable: true });
        await assert.rejects(upgrade(env, 'head'), (e: unknown) => {
          assert.ok(e instanceof MigrationError, String(e));
          assert.equal(e.revision, 'b00000000002');
          assert.ok(duplicate?.includes(e.statement), `failed statement: ${e.statement}`);
          return true;
        });
        assert.match(output.stderrText, /Running upgrade b00000000001 -> b00000000002, two/);
        assert.doesNotMatch(output.stderrText, /-> b00000000003/);
        const conn = await env.db();
        assert.deepEqual(await env.currentHeads(conn), ['b00000000001']);
        const tables = await introspector(dialect).getTables(conn);
        const t1 = tables.find((t) => t.name === 't1');
        // MySQL commits each DDL statement: what ran before the failure stays, and the version
        // row says where the run stopped. Transactional DDL rolls the whole revision back.
        assert.deepEqual(
          tables.map((t) => t.name).sort(),
          dialect === 'mysql' ? ['alembic_version', 't1', 't2'] : ['alembic_version', 't1'],
        );
        assert.deepEqual(
          t1?.columns.map((c) => c.name),
          dialect === 'mysql' ? ['id', 'extra'] : ['id'],
        );
      } finally {
        await env.close();
        scripts.cleanup();
      }
    });

    test('a revision reads what it has just changed, and what the revision before it wrote', async () => {
      const scripts = scratchScripts();
      writeRevision(scripts.dir, {
        id: 'c00000000001',
        message: 'items',
        upgrade: [
          `await op.createTable('items', { columns: [${INT_ID}, { name: 'name', type: 'string(20)', nullable: false }], primaryKey: { name: 'pk_items', columns: ['id'] } });`,
          // A query run directly through op.db, right after the CREATE TABLE.
          "await op.db.insertInto('items').values({ id: 1, name: 'a' }).execute();",
          "await op.addColumn('items', { name: 'qty', type: 'integer', nullable: true });",
          "const rows = await op.db.selectFrom('items').selectAll().execute();",
          "if (rows.length !== 1 || !('qty' in rows[0])) throw new Error('added column not seen: ' + JSON.stringify(rows));",
          // Kysely transactions through op.db where the dialect lets a migration open one.
          "if (op.dialect === 'mysql') await op.db.transaction().execute((trx) => trx.insertInto('items').values({ id: 2, name: 'b' }).execute());",
          "else await op.db.insertInto('items').values({ id: 2, name: 'b' }).execute();",
          // A shape read from the catalogue (MySQL's MODIFY needs the column as it is).
          "await op.alterColumn('items', 'name', { type: 'string(40)' });",
          "await op.createIndex('ix_items_name', 'items', ['name']);",
        ],
      });
      writeRevision(scripts.dir, {
        id: 'c00000000002',
        down: 'c00000000001',
        message: 'count',
        upgrade: [
          "const { n } = await op.db.selectFrom('items').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();",
          "await op.execute(op.db.updateTable('items').set({ qty: Number(n) * 10 }));",
        ],
      });
      const { env } = engine(db.url, scripts.dir);
      try {
        await upgrade(env, 'head');
        const conn = await env.db();
        assert.deepEqual(await env.currentHeads(conn), ['c00000000002']);
        const { rows } = await sql<{
          id: number;
          name: string;
          qty: number;
        }>`SELECT id, name, qty FROM items ORDER BY id`.execute(conn);
        assert.deepEqual(
          rows.map((r) => [Number(r.id), r.name, Number(r.qty)]),
          [
            [1, 'a', 20],
            [2, 'b', 20],
          ],
        );
        const [items] = await introspector(dialect).getTables(conn, { tables: ['items'] });
        assert.equal(items?.columns.find((c) => c.name === 'name')?.type, 'string(40)');
        assert.deepEqual(
          items?.indexes?.map((i) => i.name),
          ['ix_items_name'],
        );
      } finally {
        await env.close();
        scripts.cleanup();
      }
    });

    // A revision that stops partway, two ways: a statement it wrote fails, or its own code throws.
    for (const failure of [
      {
        what: 'a statement the revision wrote fails',
        line: "await op.execute('THIS IS NOT SQL');",
        statement: 'THIS IS NOT SQL',
        message: /^Upgrade of revision e00000000002 failed: .*\n {2}while running: THIS IS NOT SQL$/s,
        mysqlLeft: 'the statement it ran before failing stays applied',
      },
      {
        what: 'its own code throws',
        line: "throw new Error('the revision gave up');",
        statement: '',
        message: /^Upgrade of revision e00000000002 failed: the revision gave up$/,
        mysqlLeft: 'the statement it ran before failing stays applied',
      },
      {
        what: 'an operation is not awaited',
        line: `op.createTable('t3', { columns: [${INT_ID}] });`,
        statement: '',
        message:
          /^Upgrade of revision e00000000002 failed: upgrade\(\) returned while 1 operation was still running: every op call must be awaited/,
        // It was issued, so on MySQL it ran (after being waited for), as the statements before it.
        alsoOnMysql: ['t3'],
        mysqlLeft: 'the 2 statements it ran before failing stay applied',
      },
    ]) {
      test(`a revision fails midway (${failure.what}): earlier revisions stay applied, the error names revision and statement`, async () => {
        const scripts = scratchScripts();
        writeRevision(scripts.dir, {
          id: 'e00000000001',
          message: 'ok',
          upgrade: [`await op.createTable('t1', { columns: [${INT_ID}] });`],
          downgrade: ["await op.dropTable('t1');"],
        });
        writeRevision(scripts.dir, {
          id: 'e00000000002',
          down: 'e00000000001',
          message: 'half',
          upgrade: [`await op.createTable('t2', { columns: [${INT_ID}] });`, failure.line],
          downgrade: ["await op.dropTable('t2');"],
        });
        const { env, output } = engine(db.url, scripts.dir);
        try {
          await assert.rejects(upgrade(env, 'head'), (e: unknown) => {
            assert.ok(e instanceof MigrationError, String(e));
            assert.equal(e.revision, 'e00000000002');
            assert.equal(e.statement, failure.statement);
            // MySQL cannot roll back DDL: the error says what the revision left behind.
            const [message, left] = e.message.split('\n  MySQL/MariaDB cannot roll back DDL: ');
            assert.match(message!, failure.message);
            if (dialect === 'mysql') {
              assert.equal(
                left,
                `${failure.mysqlLeft}, though the version table does not list this revision; undo them by hand (or finish the revision by hand and \`stamp\` it) before running it again`,
              );
            } else assert.equal(left, undefined);
            return true;
          });
          assert.match(output.stderrText, /Running upgrade e00000000001 -> e00000000002, half/);
          const conn = await env.db();
          assert.deepEqual(await env.currentHeads(conn), ['e00000000001']);
          const names = (await introspector(dialect).getTables(conn)).map((t) => t.name).sort();
          // Transactional DDL (PostgreSQL, SQLite) rolls back the failed revision's t2 as well;
          // MySQL commits each DDL statement, so t2 stays — the version row says where it stopped.
          assert.deepEqual(
            names,
            dialect === 'mysql'
              ? ['alembic_version', 't1', 't2', ...(failure.alsoOnMysql ?? [])]
              : ['alembic_version', 't1'],
          );
        } finally {
          await env.close();
          scripts.cleanup();
        }
      });
    }

    test('an index a foreign key added earlier in the run needs is dropped around the key, after an index drop that found no key', async () => {
      // MySQL/MariaDB: dropping the last index a foreign key can use is refused by InnoDB, so the
      // engine drops the key and adds it again around the drop. The run learns once which tables
      // have keys (r2's drop), and must learn again after r3 adds one, or r4 is refused.
      const scripts = scratchScripts();
      const nullableInt = (name: string) => `{ name: '${name}', type: 'integer', nullable: true }`;
      writeRevision(scripts.dir, {
        id: 'f00000000001',
        message: 'tables',
        upgrade: [
          `await op.createTable('p', { columns: [${INT_ID}], primaryKey: { name: 'pk_p', columns: ['id'] } });`,
          `await op.createTable('c', { columns: [${INT_ID}, ${nullableInt('p_id')}, ${nullableInt('x')}], primaryKey: { name: 'pk_c', columns: ['id'] } });`,
          "await op.createIndex('ix_c_x', 'c', ['x']);",
          "await op.createIndex('ix_c_p_x', 'c', ['p_id', 'x']);",
        ],
      });
      writeRevision(scripts.dir, {
        id: 'f00000000002',
        down: 'f00000000001',
        message: 'drop x index',
        upgrade: ["await op.dropIndex('ix_c_x', 'c');"],
      });
      writeRevision(scripts.dir, {
        id: 'f00000000003',
        down: 'f00000000002',
        message: 'key',
        upgrade: ["await op.createForeignKey('fk_c_p', 'c', 'p', ['p_id'], ['id']);"],
      });
      writeRevision(scripts.dir, {
        id: 'f00000000004',
        down: 'f00000000003',
        message: 'drop key index',
        upgrade: ["await op.dropIndex('ix_c_p_x', 'c');"],
      });
      const { env } = engine(db.url, scripts.dir);
      try {
        await upgrade(env, 'head');
        const conn = await env.db();
        assert.deepEqual(await env.currentHeads(conn), ['f00000000004']);
        const [c] = await introspector(dialect).getTables(conn, { tables: ['c'] });
        assert.deepEqual(
          c?.foreignKeys?.map((fk) => [fk.name, fk.columns, fk.references]),
          [['fk_c_p', ['p_id'], { table: 'p', columns: ['id'] }]],
        );
        assert.ok(
          !c?.indexes?.some((i) => i.name === 'ix_c_p_x' || i.name === 'ix_c_x'),
          JSON.stringify(c?.indexes),
        );
      } finally {
        await env.close();
        scripts.cleanup();
      }
    });

    test('narrowing a string column never cuts a value: refused where lengths are enforced, kept on SQLite', async () => {
      const scripts = scratchScripts();
      const long = 'x'.repeat(40);
      writeRevision(scripts.dir, {
        id: 'a70000000001',
        message: 'labels',
        upgrade: [
          `await op.createTable('labels', { columns: [${INT_ID}, { name: 'label', type: 'string(50)', nullable: true }], primaryKey: { name: 'pk_labels', columns: ['id'] } });`,
          `await op.db.insertInto('labels').values([{ id: 1, label: 'short' }, { id: 2, label: '${long}' }]).execute();`,
        ],
      });
      writeRevision(scripts.dir, {
        id: 'a70000000002',
        down: 'a70000000001',
        message: 'narrow',
        upgrade: ["await op.alterColumn('labels', 'label', { type: 'string(20)' });"],
      });
      const { env } = engine(db.url, scripts.dir);
      try {
        const run = upgrade(env, 'head');
        if (dialect === 'sqlite') await run;
        else {
          await assert.rejects(run, (e: unknown) => {
            assert.ok(e instanceof MigrationError, String(e));
            assert.equal(e.revision, 'a70000000002');
            assert.match(String(e.message), /too long|truncated/i);
            return true;
          });
        }
        const conn = await env.db();
        const { rows } = await sql<{ label: string }>`SELECT label FROM labels ORDER BY id`.execute(conn);
        assert.deepEqual(
          rows.map((r) => r.label),
          ['short', long],
        );
      } finally {
        await env.close();
        scripts.cleanup();
      }
    });

    test("a column added with the time as its default, or NOT NULL without one to an empty table, is added everywhere (SQLite's ALTER cannot)", async () => {
      const scripts = scratchScripts();
      writeRevision(scripts.dir, {
        id: 'a80000000001',
        message: 'notes',
        upgrade: [
          `await op.createTable('notes', { columns: [${INT_ID}], primaryKey: { name: 'pk_notes', columns: ['id'] } });`,
          `await op.createTable('tags', { columns: [${INT_ID}], primaryKey: { name: 'pk_tags', columns: ['id'] } });`,
          "await op.db.insertInto('notes').values([{ id: 1 }, { id: 2 }]).execute();",
        ],
      });
      writeRevision(scripts.dir, {
        id: 'a80000000002',
        down: 'a80000000001',
        message: 'stamps',
        upgrade: [
          "await op.addColumn('notes', { name: 'created', type: 'timestamp', nullable: false, default: op.now });",
          "await op.addColumn('notes', { name: 'day', type: 'date', nullable: true, default: { expr: 'current_date' } });",
          "await op.addColumn('tags', { name: 'label', type: 'string(20)', nullable: false });",
        ],
      });
      const { env } = engine(db.url, scripts.dir);
      try {
        await upgrade(env, 'head');
        const conn = await env.db();
        const { rows } = await sql<{
          created: unknown;
          day: unknown;
        }>`SELECT created, day FROM notes ORDER BY id`.execute(conn);
        assert.equal(rows.length, 2);
        for (const r of rows) assert.ok(r.created !== null && r.day !== null, JSON.stringify(r));
        const [tags] = await introspector(dialect).getTables(conn, { tables: ['tags'] });
        assert.deepEqual(
          tags?.columns.map((c) => [c.name, c.nullable]),
          [
            ['id', false],
            ['label', false],
          ],
        );
      } finally {
        await env.close();
        scripts.cleanup();
      }
    });

    test('a missing await is named: in --sql mode, and when it is the cause of another error', async () => {
      const floating = scratchScripts();
      writeRevision(floating.dir, {
        id: 'a00000000001',
        message: 'floating',
        upgrade: [
          `op.createTable('t1', { columns: [${INT_ID}] });`,
          `await op.createTable('t2', { columns: [${INT_ID}] });`,
        ],
      });
      const symptom = scratchScripts();
      writeRevision(symptom.dir, {
        id: 'a00000000002',
        message: 'symptom',
        upgrade: [
          `op.createTable('t3', { columns: [${INT_ID}] });`,
          // Offline, t3 is not known yet when this runs: the error says why.
          "await op.addColumn('t3', { name: 'extra', type: 'integer', nullable: true });",
        ],
      });
      const first = engine(db.url, floating.dir);
      const second = engine(db.url, symptom.dir);
      try {
        await assert.rejects(upgrade(first.env, 'head', { sql: true }), {
          message:
            'upgrade() started an operation before the one before it had finished: every op call must be awaited (`await op.…`)',
        });
        await assert.rejects(upgrade(second.env, 'head', { sql: true }), {
          message:
            "Table 't3' does not exist (operations overlapped: every op call must be awaited (`await op.…`))",
        });
      } finally {
        await first.env.close();
        await second.env.close();
        floating.cleanup();
        symptom.cleanup();
      }
    });
  });
}
