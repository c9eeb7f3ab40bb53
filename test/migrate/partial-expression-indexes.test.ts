import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { autogenerate } from '../../src/migrate/commands/autogenerate.js';
import { check } from '../../src/migrate/commands/check.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import { col, defineTable, type Environment, type SchemaDef } from '../../src/migrate/index.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { uniqueViolation } from '../support/constraint-errors.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { engine, runWithModels, scratchScripts, writeRevision } from '../support/engine.js';
import { applyWithNativeClient } from '../support/native-client.js';

/**
 * Indexes the portable vocabulary cannot declare — partial (`WHERE status = 'active'`) and
 * expression (`lower(email)`) indexes, made with op.execute — survive SQLite's copy-and-move as
 * they were, and autogenerate leaves them alone with a warning instead of proposing a drop whose
 * downgrade cannot run. MariaDB 10.11 has neither (an index on a virtual column stands in for an
 * expression index, and reads as a plain one).
 */

const users = (): SchemaDef => ({
  tables: [
    defineTable('users', {
      id: col.integer().primaryKey().autoIncrement(),
      name: col.string(50).nullable(),
      email: col.string(100),
      status: col.string(10),
      a: col.integer(),
      b: col.integer(),
    }).table,
  ],
});

const PARTIAL = "CREATE UNIQUE INDEX uq_users_a_b_active ON users (a, b) WHERE status = 'active'";
const EXPRESSION = 'CREATE INDEX ix_users_lower_email ON users (lower(email))';

for (const dialect of DIALECTS.filter((d) => d !== 'mysql')) {
  describe(`partial and expression indexes on ${dialect}`, () => {
    let db: ScratchDatabase;
    let scripts: ReturnType<typeof scratchScripts>;
    beforeEach(async () => {
      db = await scratchDatabase(dialect);
      scripts = scratchScripts();
    });
    afterEach(async () => {
      await db.drop();
      scripts.cleanup();
    });

    const run = <T>(target: SchemaDef, fn: (env: Environment) => Promise<T>) =>
      runWithModels(db.url, scripts.dir, target, fn);

    /** The users table from the models, then the two indexes by hand, then SQLite rebuilds. */
    async function revisions(renames = true): Promise<void> {
      const r = await run(users(), (env) => autogenerate(env, { message: 'users', revId: '1dec00000001' }));
      assert.ok(r.result, r.out + r.err);
      writeRevision(scripts.dir, {
        id: '1dec00000002',
        down: '1dec00000001',
        message: 'indexes by hand',
        upgrade: [
          `await op.execute(${JSON.stringify(PARTIAL)});`,
          `await op.execute(${JSON.stringify(EXPRESSION)});`,
        ],
        downgrade: [
          "await op.dropIndex('ix_users_lower_email', 'users');",
          "await op.dropIndex('uq_users_a_b_active', 'users');",
        ],
      });
      if (!renames) return;
      writeRevision(scripts.dir, {
        id: '1dec00000003',
        down: '1dec00000002',
        message: 'alter and rename',
        upgrade: [
          "await op.alterColumn('users', 'name', { type: 'string(80)' });",
          "await op.renameColumn('users', 'status', 'state');",
          "await op.renameColumn('users', 'email', 'mail');",
          // A copy-and-move after the renames: the indexes it recreates name the new columns.
          "await op.alterColumn('users', 'name', { type: 'string(90)' });",
        ],
        downgrade: [
          "await op.renameColumn('users', 'mail', 'email');",
          "await op.renameColumn('users', 'state', 'status');",
          "await op.alterColumn('users', 'name', { type: 'string(50)' });",
        ],
      });
    }

    const indexesOf = async (conn: Kysely<any>) => {
      const [t] = await introspector(dialect).getTables(conn, { tables: ['users'] });
      return t!.indexes!;
    };

    /** The partial unique index still holds only where its WHERE clause does. */
    async function partialHolds(
      conn: Kysely<any>,
      status: string,
      email = status === 'state' ? 'mail' : 'email',
    ): Promise<void> {
      const row = (id: number, s: string) =>
        sql`INSERT INTO users (id, ${sql.ref(email)}, ${sql.ref(status)}, a, b) VALUES (${id}, ${`u${id}@x`}, ${s}, 1, 1)`;
      await row(1, 'inactive').execute(conn);
      await row(2, 'inactive').execute(conn);
      await row(3, 'active').execute(conn);
      await assert.rejects(
        row(4, 'active').execute(conn),
        uniqueViolation(dialect, 'uq_users_a_b_active', ['users.a', 'users.b']),
      );
      await sql`DELETE FROM users`.execute(conn);
    }

    test('read back with their WHERE clause and expressions; kept as they were through copy-and-move and renames', async () => {
      await revisions();
      await run(users(), async (env) => {
        await upgrade(env, '1dec00000002');
        const conn = await env.db();
        const read = await indexesOf(conn);
        const partial = read.find((i) => i.name === 'uq_users_a_b_active')!;
        assert.deepEqual(partial.columns, ['a', 'b']);
        assert.equal(partial.unique, true);
        assert.match(partial.where!, /"?status"?\)?(::text)? = 'active'/);
        const expression = read.find((i) => i.name === 'ix_users_lower_email')!;
        assert.equal(expression.expression, true);
        assert.match(expression.columns[0]!, /^lower\(\(?email\)?(::text)?\)$/);

        await upgrade(env, 'head');
        const after = await indexesOf(conn);
        assert.match(
          after.find((i) => i.name === 'uq_users_a_b_active')!.where!,
          /"?state"?\)?(::text)? = 'active'/,
        );
        assert.match(after.find((i) => i.name === 'ix_users_lower_email')!.columns[0]!, /mail/);
        await partialHolds(conn, 'state');
        if (dialect === 'sqlite') {
          // The expression index is still there for the planner, not a plain index on a column.
          const plan = await sql<{
            detail: string;
          }>`EXPLAIN QUERY PLAN SELECT id FROM users WHERE lower(mail) = 'x'`.execute(conn);
          assert.match(plan.rows.map((r) => r.detail).join('\n'), /ix_users_lower_email/);
        }

        await downgrade(env, '1dec00000002');
        await partialHolds(conn, 'status');
        await downgrade(env, 'base');
      });
    });

    test('autogenerate and check skip them with a warning, at the head and when their table goes', async () => {
      await revisions(false);
      await run(users(), (env) => upgrade(env, '1dec00000002'));
      const checked = await run(users(), (env) => check(env));
      assert.equal(checked.out, 'No new upgrade operations detected.\n', checked.err);
      assert.match(
        checked.err,
        /WARN {2}\[expireeye\.autogenerate\.compare\] autogenerate skipping expression-based index 'ix_users_lower_email' on 'users' \(lower\(/,
      );
      assert.match(
        checked.err,
        /WARN {2}\[expireeye\.autogenerate\.compare\] autogenerate skipping partial index 'uq_users_a_b_active' on 'users' \(WHERE .*'active'.*\): the models cannot declare a WHERE clause/,
      );

      // Declared by name in the models, the partial index is compared on its columns alone.
      const declared = users();
      declared.tables[0]!.indexes!.push({ name: 'uq_users_a_b_active', columns: ['a', 'b'], unique: true });
      const same = await run(declared, (env) => check(env));
      assert.equal(same.out, 'No new upgrade operations detected.\n', same.err);

      // The table leaves the models: its downgrade says what it cannot recreate, and runs.
      const gone = await run({ tables: [] }, (env) =>
        autogenerate(env, { message: 'drop users', revId: '1dec00000009' }),
      );
      const text = fs.readFileSync(gone.result!, 'utf8');
      assert.match(text, /await op\.dropTable\('users'\);/);
      assert.doesNotMatch(text, /\[null\]|, \[\]/);
      assert.match(text, /NOTE: index 'ix_users_lower_email' \(lower\(.*\) is not recreated/);
      assert.match(text, /NOTE: index 'uq_users_a_b_active' \(a, b WHERE .*\) is not recreated/);
      await run({ tables: [] }, async (env) => {
        await upgrade(env, 'head');
        await downgrade(env, '1dec00000002');
      });
    });

    /**
     * Offline, the engine knows a table from the operations that built it: the indexes a revision
     * makes or drops itself with op.execute are read into that record, so the script's
     * copy-and-move keeps (or leaves out) the same indexes the online one does.
     */
    test('--sql: indexes made and dropped by op.execute survive copy-and-move as online', async () => {
      await revisions();
      writeRevision(scripts.dir, {
        id: '1dec00000004',
        down: '1dec00000003',
        message: 'more by hand',
        upgrade: [
          "await op.execute('DROP INDEX ix_users_lower_email;');",
          // SQLite's names are case-insensitive, quoted or not; PostgreSQL's quoted ones are not.
          `await op.execute(${JSON.stringify(`CREATE INDEX "IX_Users_Upper_Name" ON ${dialect === 'sqlite' ? '"Users" (upper("Name"))' : 'users (upper(name))'} WHERE a > 0`)});`,
          "await op.execute('CREATE INDEX ix_users_b ON users (b)');",
          "await op.alterColumn('users', 'name', { type: 'string(100)' });",
        ],
      });
      const offline = await scratchDatabase(dialect);
      try {
        const script = await run(users(), (env) => upgrade(env, 'head', { sql: true }));
        await applyWithNativeClient(offline, script.out);
        await run(users(), (env) => upgrade(env, 'head'));
        const schema = async (url: string) => {
          const { env } = engine(url, scripts.dir);
          try {
            const conn = await env.db();
            const tables = await introspector(dialect).getTables(conn, { tables: ['users'] });
            const stored =
              dialect === 'sqlite'
                ? (
                    await sql<{ name: string; sql: string | null }>`
                      SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name`.execute(conn)
                  ).rows
                : [];
            return { tables, stored };
          } finally {
            await env.close();
          }
        };
        const online = await schema(db.url);
        assert.deepEqual(await schema(offline.url), online);
        assert.deepEqual(online.tables[0]!.indexes!.map((i) => i.name.toLowerCase()).sort(), [
          'ix_users_b',
          'ix_users_upper_name',
          'uq_users_a_b_active',
        ]);
      } finally {
        await offline.drop();
      }
    });

    if (dialect === 'sqlite') {
      test('dropping a column a partial or expression index uses fails, naming the index', async () => {
        await revisions();
        writeRevision(scripts.dir, {
          id: '1dec00000004',
          down: '1dec00000003',
          message: 'drop state',
          upgrade: ["await op.dropColumn('users', 'state');"],
          downgrade: [],
        });
        await run(users(), async (env) => {
          await upgrade(env, '1dec00000003');
          await assert.rejects(
            upgrade(env, 'head'),
            /Index 'uq_users_a_b_active' on 'users' uses column 'state' \(WHERE "state" = 'active'\): .*Drop the index first \(op\.dropIndex\('uq_users_a_b_active', 'users'\)\)/,
          );
          // Nothing changed: the revision rolled back, the index is whole.
          await partialHolds(await env.db(), 'state');
        });
      });
    }
  });
}

if (DIALECTS.includes('mysql')) {
  describe('expression indexes on MariaDB', () => {
    test('an index on a virtual column reads as a plain index on that column', async () => {
      const db = await scratchDatabase('mysql');
      const scripts = scratchScripts();
      try {
        writeRevision(scripts.dir, {
          id: '1dec0000000a',
          message: 'virtual',
          upgrade: [
            "await op.createTable('users', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'email', type: 'string(100)', nullable: false }], primaryKey: { name: 'pk_users', columns: ['id'] } });",
            "await op.execute('ALTER TABLE users ADD COLUMN email_lower VARCHAR(100) AS (lower(email)) VIRTUAL');",
            "await op.createIndex('ix_users_email_lower', 'users', ['email_lower']);",
          ],
          downgrade: ["await op.dropTable('users');"],
        });
        const { env } = engine(db.url, scripts.dir);
        try {
          await upgrade(env, 'head');
          const [t] = await introspector('mysql').getTables(await env.db(), { tables: ['users'] });
          assert.deepEqual(t!.indexes, [
            { name: 'ix_users_email_lower', columns: ['email_lower'], unique: false },
          ]);
          // MariaDB 10.11 has no functional key parts: the syntax itself is refused.
          await assert.rejects(
            sql.raw('CREATE INDEX ix_f ON users ((lower(email)))').execute(await env.db()),
          );
        } finally {
          await env.close();
        }
      } finally {
        await db.drop();
        scripts.cleanup();
      }
    });
  });
}
