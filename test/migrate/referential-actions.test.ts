import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { autogenerate } from '../../src/migrate/commands/autogenerate.js';
import { check } from '../../src/migrate/commands/check.js';
import { CommandError } from '../../src/migrate/commands/errors.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import type { DialectName, ReferentialAction, SchemaDef, TableDef } from '../../src/migrate/index.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { type engine, runWithModels, scratchScripts, writeRevision } from '../support/engine.js';
import { applyWithNativeClient } from '../support/native-client.js';

/**
 * ON DELETE / ON UPDATE RESTRICT. SQLite and PostgreSQL keep it apart from NO ACTION (their
 * default) and check it at once; SQLite's copy-and-move used to recreate the key without it online
 * (the introspector read RESTRICT as "unspecified") while the `--sql` script kept it, and `check`
 * could not see the difference. MariaDB reports RESTRICT for a key that names no action, and InnoDB
 * treats the two alike: there they are one.
 */

type Actions = { onDelete?: ReferentialAction; onUpdate?: ReferentialAction };

const parents: TableDef = {
  name: 'parents',
  columns: [{ name: 'id', type: 'integer', nullable: false }],
  primaryKey: { name: 'pk_parents', columns: ['id'] },
  uniqueConstraints: [],
  foreignKeys: [],
  checks: [],
  indexes: [],
};

/** children.a → parents with `a`'s actions, .b ON DELETE CASCADE, .c with none. */
const children = (a: Actions, withCheck = true): TableDef => ({
  name: 'children',
  columns: [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'a', type: 'integer', nullable: true },
    { name: 'b', type: 'integer', nullable: true },
    { name: 'c', type: 'integer', nullable: true },
    { name: 'note', type: withCheck ? 'string(40)' : 'string(20)', nullable: true },
  ],
  primaryKey: { name: 'pk_children', columns: ['id'] },
  uniqueConstraints: [],
  foreignKeys: [
    {
      name: 'fk_children_a_parents',
      columns: ['a'],
      references: { table: 'parents', columns: ['id'] },
      ...a,
    },
    {
      name: 'fk_children_b_parents',
      columns: ['b'],
      references: { table: 'parents', columns: ['id'] },
      onDelete: 'cascade',
    },
    { name: 'fk_children_c_parents', columns: ['c'], references: { table: 'parents', columns: ['id'] } },
  ],
  checks: withCheck ? [{ name: 'ck_children_note', expr: "note <> ''" }] : [],
  indexes: [],
});

const models = (a: Actions): SchemaDef => ({ tables: [structuredClone(parents), children(a)] });
const RESTRICT: Actions = { onDelete: 'restrict', onUpdate: 'restrict' };

/** The tables with `a`'s key as given, then a CHECK and a type change: SQLite rebuilds the table twice. */
function writeRevisions(dir: string, a: Actions): void {
  const spec = (t: TableDef) => {
    const { name: _name, indexes: _indexes, ...rest } = t;
    return JSON.stringify(rest);
  };
  writeRevision(dir, {
    id: 'fa0100000001',
    message: 'tables',
    upgrade: [
      `await op.createTable('parents', ${spec(parents)});`,
      `await op.createTable('children', ${spec(children(a, false))});`,
    ],
    downgrade: ["await op.dropTable('children');", "await op.dropTable('parents');"],
  });
  writeRevision(dir, {
    id: 'fa0100000002',
    down: 'fa0100000001',
    message: 'check and widen',
    upgrade: [
      "await op.createCheckConstraint('ck_children_note', 'children', \"note <> ''\");",
      "await op.alterColumn('children', 'note', { type: 'string(40)' });",
    ],
    downgrade: [
      "await op.alterColumn('children', 'note', { type: 'string(20)' });",
      "await op.dropConstraint('ck_children_note', 'children', 'check');",
    ],
  });
}

/** Each key of `children` as the catalogue itself reports it: column → "ON DELETE/ON UPDATE". */
async function catalogue(dialect: DialectName, conn: Kysely<any>): Promise<Record<string, string>> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{ col: string; del: string; upd: string }>`
          SELECT "from" AS col, on_delete AS del, on_update AS upd
          FROM pragma_foreign_key_list('children')`.execute(conn)
      : dialect === 'postgres'
        ? await sql<{ col: string; del: string; upd: string }>`
            SELECT a.attname AS col, c.confdeltype AS del, c.confupdtype AS upd
            FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.conrelid = 'children'::regclass AND c.contype = 'f'`.execute(conn)
        : await sql<{ col: string; del: string; upd: string }>`
            SELECT k.COLUMN_NAME AS col, r.DELETE_RULE AS del, r.UPDATE_RULE AS upd
            FROM information_schema.REFERENTIAL_CONSTRAINTS r
            JOIN information_schema.KEY_COLUMN_USAGE k
              ON k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME
            WHERE r.CONSTRAINT_SCHEMA = DATABASE() AND r.TABLE_NAME = 'children'`.execute(conn);
  const letters: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL' };
  const word = (x: string) => letters[x] ?? x;
  return Object.fromEntries(
    rows.rows.map((r) => [r.col, `${word(r.del)}/${word(r.upd)}`]).sort(([x], [y]) => (x! < y! ? -1 : 1)),
  );
}

for (const dialect of DIALECTS) {
  describe(`referential actions on ${dialect}`, () => {
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

    async function run<T>(
      target: SchemaDef,
      fn: (env: ReturnType<typeof engine>['env'], conn: () => Promise<Kysely<any>>) => Promise<T>,
      url = db.url,
    ) {
      return runWithModels(url, scripts.dir, target, (env) => fn(env, () => env.db()));
    }

    /** What MariaDB reports for a key that names no action. */
    const unspecified = dialect === 'mysql' ? 'RESTRICT/RESTRICT' : 'NO ACTION/NO ACTION';

    test('RESTRICT survives copy-and-move, online as in the --sql script, and check is clean', async () => {
      writeRevisions(scripts.dir, RESTRICT);
      const offline = await scratchDatabase(dialect);
      try {
        const online = await run(models(RESTRICT), async (env, conn) => {
          await upgrade(env, 'head');
          return catalogue(dialect, await conn());
        });
        assert.deepEqual(online.result, {
          a: 'RESTRICT/RESTRICT',
          b: dialect === 'mysql' ? 'CASCADE/RESTRICT' : 'CASCADE/NO ACTION',
          c: unspecified,
        });

        const script = await run(models(RESTRICT), (env) => upgrade(env, 'head', { sql: true }), offline.url);
        await applyWithNativeClient(offline, script.out);
        const scripted = await run(
          models(RESTRICT),
          async (_env, conn) => catalogue(dialect, await conn()),
          offline.url,
        );
        assert.deepEqual(scripted.result, online.result);

        const checked = await run(models(RESTRICT), (env) => check(env));
        assert.equal(checked.out, 'No new upgrade operations detected.\n', checked.err);
        // A model that writes NO ACTION is the default: no difference either.
        const explicit = models(RESTRICT);
        explicit.tables[1]!.foreignKeys![2]!.onDelete = 'no action';
        const same = await run(explicit, (env) => check(env));
        assert.equal(same.out, 'No new upgrade operations detected.\n', same.err);
      } finally {
        await offline.drop();
      }
    });

    test(`a key without the models' RESTRICT is ${dialect === 'mysql' ? 'the same key' : 'drift'}`, async () => {
      // As a database upgraded online before the fix holds it: the key lost its RESTRICT.
      writeRevisions(scripts.dir, {});
      await run(models({}), (env) => upgrade(env, 'head'));
      if (dialect === 'mysql') {
        const checked = await run(models(RESTRICT), (env) => check(env));
        assert.equal(checked.out, 'No new upgrade operations detected.\n', checked.err);
        return;
      }
      await assert.rejects(
        run(models(RESTRICT), (env) => check(env)),
        (e: unknown) => {
          assert.ok(e instanceof CommandError);
          assert.match(e.message, /remove_fk 'fk_children_a_parents' on children \(a\) -> parents \(id\)\n/);
          assert.match(
            e.message,
            /add_fk 'fk_children_a_parents' on children \(a\) -> parents \(id\) ON DELETE RESTRICT ON UPDATE RESTRICT/,
          );
          return true;
        },
      );
    });

    test('autogenerate from RESTRICT to CASCADE and back: the downgrade restores RESTRICT', async () => {
      writeRevisions(scripts.dir, RESTRICT);
      await run(models(RESTRICT), (env) => upgrade(env, 'head'));
      const cascade = models({ onDelete: 'cascade' });
      const made = await run(cascade, (env) =>
        autogenerate(env, { message: 'cascade', revId: 'fa0100000003' }),
      );
      assert.ok(made.result, made.out + made.err);
      const text = fs.readFileSync(made.result, 'utf8');
      if (dialect !== 'mysql') assert.match(text, /onDelete: 'restrict',\s*onUpdate: 'restrict'/);

      await run(cascade, async (env, conn) => {
        await upgrade(env, 'head');
        assert.equal((await catalogue(dialect, await conn())).a, `CASCADE/${unspecified.split('/')[1]}`);
        await check(env);
        await downgrade(env, '-1');
        assert.equal((await catalogue(dialect, await conn())).a, 'RESTRICT/RESTRICT');
      });
      // Back at the revision below it, the database is again what the RESTRICT models say.
      fs.rmSync(made.result);
      const checked = await run(models(RESTRICT), (env) => check(env));
      assert.equal(checked.out, 'No new upgrade operations detected.\n', checked.err);
    });
  });
}
