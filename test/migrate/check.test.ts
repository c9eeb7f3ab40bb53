import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { autogenerate } from '../../src/migrate/commands/autogenerate.js';
import { check } from '../../src/migrate/commands/check.js';
import { revision } from '../../src/migrate/commands/revision.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import {
  CapturedOutput,
  type Environment,
  parseDatabaseUrl,
  runDbProgram,
  type SchemaDef,
} from '../../src/migrate/index.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { metadata } from '../../src/models/index.js';
import { cli } from '../support/cli.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS, runWithModels, scratchScripts, writeRevision } from '../support/engine.js';
import { applyWithNativeClient } from '../support/native-client.js';

/**
 * `db check`, for CI: clean at the head of the app's own migrations on every dialect (which proves
 * the hand-written initial revision matches the models), and one line per difference otherwise.
 */

async function withDatabase(
  dialect: ScratchDatabase['dialect'],
  fn: (db: ScratchDatabase, scripts: { dir: string }) => Promise<void>,
): Promise<void> {
  const db = await scratchDatabase(dialect);
  const scripts = scratchScripts();
  try {
    await fn(db, scripts);
  } finally {
    await db.drop();
    scripts.cleanup();
  }
}

const copyAppVersions = (dir: string) =>
  fs.cpSync(path.join(APP_MIGRATIONS, 'versions'), path.join(dir, 'versions'), { recursive: true });

const run = <T>(db: ScratchDatabase, dir: string, target: SchemaDef, fn: (env: Environment) => Promise<T>) =>
  runWithModels(db.url, dir, target, fn);

const table = (s: SchemaDef, name: string) => s.tables.find((t) => t.name === name)!;

for (const dialect of DIALECTS) {
  describe(`check on ${dialect}`, { concurrency: 3 }, () => {
    test("clean at the head of the app's migrations: the hand-written revisions match the models", () =>
      withDatabase(dialect, async (db, scripts) => {
        copyAppVersions(scripts.dir);
        await run(db, scripts.dir, metadata.schema(), (env) => upgrade(env, 'head'));
        const output = new CapturedOutput();
        const code = await runDbProgram(['check'], {
          output,
          config: () => ({
            scriptLocation: scripts.dir,
            database: () => parseDatabaseUrl(db.url),
            metadata: async () => metadata.schema(),
          }),
        });
        assert.equal(output.stdoutText, 'No new upgrade operations detected.\n', output.stderrText);
        assert.equal(code, 0);
      }));

    test('revision 4e7b2d9c1a60 brings back the RESTRICT an older engine lost on SQLite; a no-op elsewhere', () =>
      withDatabase(dialect, async (db, scripts) => {
        copyAppVersions(scripts.dir);
        const schema = metadata.schema();
        await run(db, scripts.dir, schema, (env) => upgrade(env, '90127f625a40'));
        const onDelete = async () =>
          (
            await run(db, scripts.dir, schema, async (env) => {
              const [t] = await introspector(dialect).getTables(await env.db(), {
                tables: ['user_products'],
              });
              return t!.foreignKeys?.find((k) => k.columns[0] === 'product_id')?.onDelete;
            })
          ).result;
        if (dialect === 'sqlite') {
          // A database that older engine upgraded: the same key without its ON DELETE (written with
          // SQLite's own shell: the driver runs in defensive mode, which forbids editing the schema).
          await applyWithNativeClient(
            db,
            "PRAGMA writable_schema = ON;\nUPDATE sqlite_master SET sql = replace(sql, ' on delete restrict', '') WHERE name = 'user_products';\nPRAGMA writable_schema = OFF;\n",
          );
          assert.equal(await onDelete(), undefined, 'the drift, reproduced');
        }
        await run(db, scripts.dir, schema, (env) => upgrade(env, 'head'));
        assert.equal(await onDelete(), dialect === 'mysql' ? undefined : 'restrict');
        const after = await run(db, scripts.dir, schema, (env) => check(env));
        assert.equal(after.out, 'No new upgrade operations detected.\n', after.err);
        await run(db, scripts.dir, schema, (env) => downgrade(env, '-1'));
      }));

    test("the executable: clean at the head of the app's migrations, exit 0", () =>
      withDatabase(dialect, async (db, scripts) => {
        copyAppVersions(scripts.dir);
        const env = { DATABASE_URL: db.url, EXPIREEYE_SCRIPT_LOCATION: scripts.dir };
        const up = await cli(['db', 'upgrade', 'head'], env);
        assert.equal(up.code, 0, up.stderr);
        const r = await cli(['db', 'check'], env);
        assert.equal(r.stdout, 'No new upgrade operations detected.\n', r.stderr);
        assert.equal(r.code, 0);
        assert.doesNotMatch(r.stderr, /Detected|WARN/);
        const ag = await cli(['db', 'revision', '--autogenerate', '-m', 'nothing'], env);
        assert.equal(ag.code, 0, ag.stderr);
        assert.equal(ag.stdout, 'No changes in schema detected.\n');
      }));

    test('a head that only a dependency builds on: up to date once upgraded (Alembic\'s "heads")', () =>
      withDatabase(dialect, async (db, scripts) => {
        copyAppVersions(scripts.dir);
        const env = { DATABASE_URL: db.url, EXPIREEYE_SCRIPT_LOCATION: scripts.dir };
        const appHead = (await cli(['db', 'heads'], env)).stdout.slice(0, 12);
        // A second root that depends on the app's head: that head stays a head, an effective one.
        writeRevision(scripts.dir, {
          id: 'ee0000000001',
          message: 'reports',
          branchLabels: ['reports'],
          dependsOn: [appHead],
        });
        const up = await cli(['db', 'upgrade', 'heads'], env);
        assert.equal(up.code, 0, up.stderr);
        const r = await cli(['db', 'check'], env);
        assert.equal(r.stdout, 'No new upgrade operations detected.\n', r.stderr);
        assert.equal(r.code, 0);
        const ag = await cli(
          ['db', 'revision', '--autogenerate', '-m', 'nothing', '--head', 'reports@head'],
          env,
        );
        assert.equal(ag.stdout, 'No changes in schema detected.\n', ag.stderr);
        assert.equal(ag.code, 0);
      }));

    test('a model change without its revision: FAILED with one line per difference, exit 255', () =>
      withDatabase(dialect, async (db, scripts) => {
        copyAppVersions(scripts.dir);
        const target = metadata.schema();
        await run(db, scripts.dir, target, (env) => upgrade(env, 'head'));
        table(target, 'users').columns.push({ name: 'display_name', type: 'string(100)', nullable: true });
        table(target, 'products').columns.find((c) => c.name === 'updated_at')!.nullable = false;
        table(target, 'user_products').indexes!.push({
          name: 'ix_up_expiry',
          columns: ['expiry_date'],
          unique: false,
        });
        target.tables.push({
          name: 'shelves',
          columns: [{ name: 'id', type: 'integer', nullable: false }],
          primaryKey: { name: 'pk_shelves', columns: ['id'] },
          indexes: [{ name: 'ix_shelves_id_desc', columns: ['id'], unique: true }],
        });
        const output = new CapturedOutput();
        const code = await runDbProgram(['check'], {
          output,
          config: () => ({
            scriptLocation: scripts.dir,
            database: () => parseDatabaseUrl(db.url),
            metadata: async () => target,
          }),
        });
        assert.equal(code, 255);
        assert.equal(
          output.stdoutText,
          [
            'FAILED: New upgrade operations detected:',
            "  add_table 'shelves'",
            "  add_index 'ix_shelves_id_desc' on shelves (id) unique",
            "  modify_nullable 'products.updated_at': NULL -> NOT NULL",
            "  add_index 'ix_up_expiry' on user_products (expiry_date)",
            "  add_column 'users.display_name' string(100) NULL",
            '',
          ].join('\n'),
        );
        assert.match(
          output.stderrText,
          /INFO {2}\[expireeye\.autogenerate\.compare\] Detected NOT NULL on column 'products\.updated_at'\n/,
        );
        assert.match(
          output.stderrText,
          /WARN {2}\[expireeye\.autogenerate\.compare\] Destructive operation: makes 'products\.updated_at' NOT NULL/,
        );
        assert.match(
          output.stderrText,
          /ERROR \[expireeye\.util\.messaging\] New upgrade operations detected:\n/,
        );
      }));

    test("the seed's custom-index revision: check reports indexes the models do not declare", () =>
      withDatabase(dialect, async (db, scripts) => {
        // Models without the two indexes of the seed's "Add custom indexes" example.
        const lacking = metadata.schema();
        table(lacking, 'users').indexes = [];
        const up = table(lacking, 'user_products');
        up.indexes = up.indexes!.filter((i) => i.name !== 'idx_product_expiry');

        // An empty database: autogenerate writes the initial revision (every table) from the models.
        const initial = await run(db, scripts.dir, lacking, (env) =>
          autogenerate(env, { message: 'initial' }),
        );
        assert.match(
          initial.err,
          /Detected added table 'users'\n[\s\S]*Detected added table 'notifications'\n/,
        );
        await run(db, scripts.dir, lacking, (env) => upgrade(env, 'head'));
        assert.equal(
          (await run(db, scripts.dir, lacking, (env) => check(env))).out,
          'No new upgrade operations detected.\n',
        );

        // `revision -m "Add custom indexes"`, edited by hand as the seed shows.
        const made = await run(db, scripts.dir, lacking, (env) =>
          revision(env, { message: 'Add custom indexes' }),
        );
        const file = made.result;
        const source = fs
          .readFileSync(file, 'utf8')
          .replace(
            'export async function upgrade(op: Operations): Promise<void> {\n',
            "$&  await op.createIndex('idx_user_email', 'users', ['email']);\n  await op.createIndex('idx_product_expiry', 'user_products', ['expiry_date']);\n",
          )
          .replace(
            'export async function downgrade(op: Operations): Promise<void> {\n',
            "$&  await op.dropIndex('idx_product_expiry', 'user_products');\n  await op.dropIndex('idx_user_email', 'users');\n",
          );
        fs.writeFileSync(file, source);
        await run(db, scripts.dir, lacking, (env) => upgrade(env, 'head'));

        const output = new CapturedOutput();
        const code = await runDbProgram(['check'], {
          output,
          config: () => ({
            scriptLocation: scripts.dir,
            database: () => parseDatabaseUrl(db.url),
            metadata: async () => lacking,
          }),
        });
        assert.equal(code, 255);
        assert.equal(
          output.stdoutText,
          [
            'FAILED: New upgrade operations detected:',
            "  remove_index 'idx_product_expiry' on user_products (expiry_date)",
            "  remove_index 'idx_user_email' on users (email)",
            '',
          ].join('\n'),
        );

        // Declared in the models, the same indexes are no difference.
        const declaring = structuredClone(lacking);
        table(declaring, 'users').indexes = [{ name: 'idx_user_email', columns: ['email'], unique: false }];
        table(declaring, 'user_products').indexes!.push({
          name: 'idx_product_expiry',
          columns: ['expiry_date'],
          unique: false,
        });
        const clean = await run(db, scripts.dir, declaring, (env) => check(env));
        assert.equal(clean.out, 'No new upgrade operations detected.\n');

        // downgrade -1 drops them again; with the revision discarded, the models and database agree.
        await run(db, scripts.dir, lacking, (env) => downgrade(env, '-1'));
        fs.rmSync(file);
        const after = await run(db, scripts.dir, lacking, (env) => check(env));
        assert.equal(after.out, 'No new upgrade operations detected.\n');
      }));
  });
}
