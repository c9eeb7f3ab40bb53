import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { migrationConfig } from '../../src/db/migration-config.js';
import { upgrade } from '../../src/migrate/commands/upgrade.js';
import {
  CapturedOutput,
  defineMetadata,
  type MigrationConfig,
  parseDatabaseUrl,
  runDbProgram,
  type SchemaDef,
} from '../../src/migrate/index.js';
import { metadata, models } from '../../src/models/index.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS, engine, scratchScripts, writeRevision } from '../support/engine.js';

/**
 * The guards around autogenerate, through the `db` program as the CLI runs it: a database behind
 * the scripts, nothing to do, no models configured, a model file nobody registered.
 */

function versionFiles(dir: string): string[] {
  return fs.readdirSync(path.join(dir, 'versions')).sort();
}

for (const dialect of DIALECTS) {
  describe(`autogenerate guards on ${dialect}`, () => {
    let db: ScratchDatabase;
    const scripts = scratchScripts();

    const config = (extra: Partial<MigrationConfig> = {}): MigrationConfig => ({
      scriptLocation: scripts.dir,
      database: () => parseDatabaseUrl(db.url),
      metadata: async () => metadata.schema(),
      ...extra,
    });
    async function program(argv: string[], extra: Partial<MigrationConfig> = {}) {
      const output = new CapturedOutput();
      const code = await runDbProgram(argv, { config: () => config(extra), output });
      return { code, out: output.stdoutText, err: output.stderrText };
    }

    let appHead: string;
    before(async () => {
      db = await scratchDatabase(dialect);
      fs.cpSync(path.join(APP_MIGRATIONS, 'versions'), path.join(scripts.dir, 'versions'), {
        recursive: true,
      });
      const { env } = engine(db.url, scripts.dir);
      appHead = (await env.script.map()).heads[0]!;
    });
    after(async () => {
      await db.drop();
      scripts.cleanup();
    });

    test('an empty database is not up to date: FAILED, exit 255, a hint, no file', async () => {
      const files = versionFiles(scripts.dir);
      const r = await program(['revision', '--autogenerate', '-m', 'too early']);
      assert.equal(r.code, 255);
      assert.match(r.out, /^FAILED: Target database is not up to date\.\n/);
      assert.match(r.out, /base \(no revision applied\).*Run 'expireeye db upgrade head' first/);
      assert.match(r.err, /ERROR \[expireeye\.util\.messaging\] Target database is not up to date\.\n/);
      assert.deepEqual(versionFiles(scripts.dir), files);
    });

    test('a database behind the scripts is not up to date, for autogenerate and check alike', async () => {
      const { env } = engine(db.url, scripts.dir);
      await upgrade(env, 'head').finally(() => env.close());
      writeRevision(scripts.dir, {
        id: 'b0b0b0b0b0b0',
        down: appHead,
        message: 'later',
        upgrade: ["await op.createIndex('ix_users_name', 'users', ['name']);"],
        downgrade: ["await op.dropIndex('ix_users_name', 'users');"],
      });
      try {
        for (const argv of [['revision', '--autogenerate', '-m', 'x'], ['check']]) {
          const r = await program(argv);
          assert.equal(r.code, 255, argv.join(' '));
          assert.match(r.out, /^FAILED: Target database is not up to date\.\n/);
          assert.match(
            r.out,
            new RegExp(`The database is at ${appHead}; the scripts' head is b0b0b0b0b0b0\\.`),
          );
        }
        // Two heads: the way forward is `upgrade heads` (`upgrade head` would refuse).
        writeRevision(scripts.dir, { id: 'c1c1c1c1c1c1', down: appHead, message: 'branch' });
        const r = await program(['check']);
        assert.equal(r.code, 255);
        assert.match(
          r.out,
          /the scripts' heads are (b0b0b0b0b0b0, c1c1c1c1c1c1|c1c1c1c1c1c1, b0b0b0b0b0b0)\. Run 'expireeye db upgrade heads' first/,
        );
      } finally {
        fs.rmSync(path.join(scripts.dir, 'versions', 'b0b0b0b0b0b0_later.ts'));
        fs.rmSync(path.join(scripts.dir, 'versions', 'c1c1c1c1c1c1_branch.ts'), { force: true });
      }
    });

    test('at head with nothing changed: "No changes in schema detected." and no file is written', async () => {
      const files = versionFiles(scripts.dir);
      const r = await program(['revision', '--autogenerate', '-m', 'nothing']);
      assert.equal(r.code, 0, r.out + r.err);
      assert.equal(r.out, 'No changes in schema detected.\n');
      assert.doesNotMatch(r.err, /Detected/);
      assert.deepEqual(versionFiles(scripts.dir), files);
    });

    test('a change is written as a revision on top of the head', async () => {
      const target: SchemaDef = metadata.schema();
      target.tables
        .find((t) => t.name === 'users')!
        .columns.push({ name: 'display_name', type: 'string(100)', nullable: true });
      const r = await program(
        ['revision', '--autogenerate', '-m', 'add display name', '--rev-id', 'd15d15d15d15'],
        {
          metadata: async () => target,
        },
      );
      assert.equal(r.code, 0, r.out + r.err);
      const file = path.join(scripts.dir, 'versions', 'd15d15d15d15_add_display_name.ts');
      assert.equal(r.out, `Generating ${file} ...  done\n`);
      assert.match(
        r.err,
        /INFO {2}\[expireeye\.autogenerate\.compare\] Detected added column 'users\.display_name'\n/,
      );
      const text = fs.readFileSync(file, 'utf8');
      assert.match(
        text,
        new RegExp(`^export const downRevision: string \\| string\\[\\] \\| null = '${appHead}';$`, 'm'),
      );
      assert.match(text, /^ {2}\/\/ ### commands auto generated - please review and adjust! ###$/m);
      fs.rmSync(file);
    });

    test('no metadata configured: the --autogenerate error, exit 255', async () => {
      const r = await program(['revision', '--autogenerate', '-m', 'x'], { metadata: undefined });
      assert.equal(r.code, 255);
      assert.match(
        r.out,
        /^FAILED: Can't proceed with --autogenerate option; .* does not provide a metadata\(\) function/,
      );
    });
  });
}

/** The engine's public module, as a model file outside the project imports it. */
const MIGRATE_API = pathToFileURL(
  path.resolve(import.meta.dirname, '..', '..', 'src', 'migrate', 'index.js'),
).href;

describe('a model file nobody registered', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-models-'));
    fs.writeFileSync(
      path.join(dir, 'wishlist.mjs'),
      `import { col, defineTable } from '${MIGRATE_API}';\n` +
        `export const wishlist = defineTable('wishlist', { id: col.string(36).primaryKey() });\n`,
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('assertAllRegistered fails loudly, naming the model, the export and the file', async () => {
    await assert.rejects(
      defineMetadata(models).assertAllRegistered(dir),
      (e: Error) =>
        e.message.includes("Model 'wishlist' (export wishlist of ") &&
        e.message.includes(path.join(dir, 'wishlist.mjs')) &&
        e.message.includes('is not registered in the metadata'),
    );
  });

  test('autogenerate stops with that message (exit 255) instead of detecting nothing', async () => {
    const db = await scratchDatabase('sqlite');
    const scripts = scratchScripts();
    try {
      const output = new CapturedOutput();
      const code = await runDbProgram(['revision', '--autogenerate', '-m', 'x'], {
        output,
        config: () => ({
          scriptLocation: scripts.dir,
          database: () => parseDatabaseUrl(db.url),
          metadata: async () => {
            await defineMetadata(models).assertAllRegistered(dir);
            return metadata.schema();
          },
        }),
      });
      assert.equal(code, 255);
      assert.match(
        output.stdoutText,
        /^FAILED: Model 'wishlist' \(export wishlist of .*wishlist\.mjs\) is not registered/,
      );
      assert.deepEqual(versionFiles(scripts.dir), []);
    } finally {
      await db.drop();
      scripts.cleanup();
    }
  });
});

describe('a model file nobody registered, in a subfolder', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-models-'));
    fs.mkdirSync(path.join(dir, 'billing', 'lines'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'billing', 'lines', 'line.mjs'),
      `import { col, defineTable } from '${MIGRATE_API}';\n` +
        `export const invoiceLines = defineTable('invoice_lines', { id: col.integer().primaryKey() });\n`,
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('assertAllRegistered walks subfolders and names the compiled file when no source map leads further', async () => {
    await assert.rejects(defineMetadata(models).assertAllRegistered(dir), (e: Error) =>
      e.message.startsWith(
        `Model 'invoice_lines' (export invoiceLines of ${path.join(dir, 'billing', 'lines', 'line.mjs')}) is not registered`,
      ),
    );
  });

  test('with a source map beside it, the source file is named instead', async () => {
    const src = path.join(dir, 'src', 'line.ts');
    fs.mkdirSync(path.dirname(src), { recursive: true });
    fs.writeFileSync(src, '// the source\n');
    fs.writeFileSync(
      path.join(dir, 'billing', 'lines', 'line.mjs.map'),
      JSON.stringify({ version: 3, sources: ['line.ts'], sourceRoot: '../../src', mappings: '' }),
    );
    await assert.rejects(
      defineMetadata(models).assertAllRegistered(dir, [path.join('billing', 'lines', 'line.mjs')]),
      (e: Error) =>
        e.message.startsWith(`Model 'invoice_lines' (export invoiceLines of ${src}) is not registered`),
    );
  });
});

/**
 * The seed's workflow is "modify your models, then autogenerate"; the CLI reads the models as tsc
 * compiled them. A project copy whose src/models and dist/src/models can be edited apart: a
 * model edited or added without a build must stop autogenerate, and the compiled leftover of a
 * deleted model file (tsc never removes it) must not count as an unregistered model.
 */
describe('models changed since the last build', () => {
  const realRoot = path.resolve(import.meta.dirname, '..', '..', '..');
  let root: string;
  let db: ScratchDatabase;
  let scripts: ReturnType<typeof scratchScripts>;
  const built = new Date(Date.now() - 30_000);
  const written = new Date(Date.now() - 60_000);
  /** A model module in the compiled layout, importing the engine as the app's models do. */
  const wishModel = `import { col, defineTable } from '../migrate/schema/index.js';\n
export const wishes = defineTable('wishes', { id: col.integer().primaryKey() });\n`;

  async function autogenerate(argv = ['revision', '--autogenerate', '-m', 'x']) {
    const output = new CapturedOutput();
    const env = { DATABASE_URL: db.url, EXPIREEYE_SCRIPT_LOCATION: scripts.dir };
    const code = await runDbProgram(argv, {
      output,
      config: () => migrationConfig(env, root),
    });
    return { code, out: output.stdoutText, err: output.stderrText };
  }

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-build-'));
    const sources = path.join(root, 'src', 'models');
    const compiled = path.join(root, 'dist', 'src', 'models');
    fs.cpSync(path.join(realRoot, 'src', 'models'), sources, { recursive: true });
    fs.cpSync(path.join(realRoot, 'dist', 'src', 'models'), compiled, { recursive: true });
    fs.symlinkSync(path.join(realRoot, 'dist', 'src', 'migrate'), path.join(root, 'dist', 'src', 'migrate'));
    for (const f of fs.readdirSync(sources)) fs.utimesSync(path.join(sources, f), written, written);
    for (const f of fs.readdirSync(compiled)) fs.utimesSync(path.join(compiled, f), built, built);
    db = await scratchDatabase('sqlite');
    scripts = scratchScripts();
    fs.cpSync(path.join(APP_MIGRATIONS, 'versions'), path.join(scripts.dir, 'versions'), { recursive: true });
    const { env } = engine(db.url, scripts.dir);
    await upgrade(env, 'head').finally(() => env.close());
  });
  after(async () => {
    fs.rmSync(root, { recursive: true, force: true });
    scripts.cleanup();
    await db.drop();
  });

  test('built models as written: nothing to do; a deleted model left compiled is not "unregistered"', async () => {
    fs.writeFileSync(path.join(root, 'dist', 'src', 'models', 'wish.js'), wishModel);
    const r = await autogenerate();
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(r.out, 'No changes in schema detected.\n');
  });

  test('a model edited after the build stops autogenerate: FAILED, exit 255, run the build', async () => {
    const user = path.join(root, 'src', 'models', 'user.ts');
    fs.utimesSync(user, new Date(), new Date());
    try {
      const r = await autogenerate();
      assert.equal(r.code, 255, r.out + r.err);
      assert.equal(
        r.out,
        "FAILED: src/models/user.ts changed after the last build: run 'npm run build' first (autogenerate compares the database with the compiled models in dist/src/models)\n",
      );
      assert.deepEqual(versionFiles(scripts.dir), versionFiles(path.join(realRoot, 'migrations')));
    } finally {
      fs.utimesSync(user, written, written);
    }
  });

  test('a model saved unchanged, then built: tsc -b keeps its old output but the build counts', async () => {
    const user = path.join(root, 'src', 'models', 'user.ts');
    const buildInfo = path.join(root, 'dist', '.tsbuildinfo');
    const saved = new Date(Date.now() - 1000);
    fs.utimesSync(user, saved, saved);
    try {
      const stale = await autogenerate();
      assert.equal(stale.code, 255, 'not built since');
      // `tsc --noEmit` writes build info too, listing what it did not emit: that is no build.
      fs.writeFileSync(buildInfo, JSON.stringify({ affectedFilesPendingEmit: [[12, 19]] }));
      assert.equal((await autogenerate()).code, 255, 'a check without emit is no build');
      fs.writeFileSync(buildInfo, '{}');
      const r = await autogenerate();
      assert.equal(r.code, 0, r.out + r.err);
      assert.equal(r.out, 'No changes in schema detected.\n');
    } finally {
      fs.rmSync(buildInfo, { force: true });
      fs.utimesSync(user, written, written);
    }
  });

  /**
   * A model grouped in a subfolder, compiled as tsc would (module, source map, source), with the
   * build newer than the source unless `stale`. Returns a cleanup.
   */
  function subfolderModel(stale = false): () => void {
    const source = path.join(root, 'src', 'models', 'billing', 'invoice.ts');
    const compiled = path.join(root, 'dist', 'src', 'models', 'billing', 'invoice.js');
    fs.mkdirSync(path.dirname(source), { recursive: true });
    fs.mkdirSync(path.dirname(compiled), { recursive: true });
    fs.writeFileSync(
      source,
      "import { col, defineTable } from '../../migrate/schema/index.js';\n" +
        "export const invoices = defineTable('invoices', { id: col.integer().primaryKey() });\n",
    );
    fs.writeFileSync(
      compiled,
      "import { col, defineTable } from '../../migrate/schema/index.js';\n" +
        "export const invoices = defineTable('invoices', { id: col.integer().primaryKey() });\n" +
        '//# sourceMappingURL=invoice.js.map\n',
    );
    fs.writeFileSync(
      `${compiled}.map`,
      JSON.stringify({
        version: 3,
        file: 'invoice.js',
        sourceRoot: '',
        sources: ['../../../../src/models/billing/invoice.ts'],
        names: [],
        mappings: '',
      }),
    );
    fs.utimesSync(source, written, written);
    for (const f of [compiled, `${compiled}.map`]) fs.utimesSync(f, built, built);
    if (stale) fs.utimesSync(source, new Date(), new Date());
    return () => {
      fs.rmSync(path.dirname(source), { recursive: true, force: true });
      fs.rmSync(path.dirname(compiled), { recursive: true, force: true });
    };
  }

  test('an unregistered model in a subfolder stops autogenerate and check, naming its source file', async () => {
    const cleanup = subfolderModel();
    try {
      for (const argv of [['revision', '--autogenerate', '-m', 'x'], ['check']]) {
        const r = await autogenerate(argv);
        assert.equal(r.code, 255, r.out + r.err);
        assert.equal(
          r.out,
          `FAILED: Model 'invoices' (export invoices of ${path.join(root, 'src', 'models', 'billing', 'invoice.ts')}) is not registered in the metadata; add it to the models list or autogenerate will not see it\n`,
          argv.join(' '),
        );
      }
      assert.deepEqual(versionFiles(scripts.dir), versionFiles(path.join(realRoot, 'migrations')));
    } finally {
      cleanup();
    }
  });

  /**
   * `check` with one more models module, compiled as `js` from a source (its build up to date) that
   * has no source map, so messages name the compiled file; both are removed afterwards.
   */
  async function checkWithModule(name: string, js: string[]) {
    const source = path.join(root, 'src', 'models', `${name}.ts`);
    const compiled = path.join(root, 'dist', 'src', 'models', `${name}.js`);
    fs.writeFileSync(source, '// compiled below\n');
    fs.writeFileSync(
      compiled,
      ["import { col, defineTable } from '../migrate/schema/index.js';", ...js, ''].join('\n'),
    );
    fs.utimesSync(source, written, written);
    fs.utimesSync(compiled, built, built);
    try {
      return { compiled, ...(await autogenerate(['check'])) };
    } finally {
      fs.rmSync(source);
      fs.rmSync(compiled);
    }
  }

  test('an unregistered model exported only in a list is found too', async () => {
    const r = await checkWithModule('shelf', [
      "const shelves = defineTable('shelves', { id: col.integer().primaryKey() });",
      "const bins = defineTable('shelf_bins', { id: col.integer().primaryKey() });",
      'export const shelfModels = [shelves, bins];',
    ]);
    assert.equal(r.code, 255, r.out + r.err);
    assert.equal(
      r.out,
      `FAILED: Model 'shelves' (export shelfModels[0] of ${r.compiled}) is not registered in the metadata; add it to the models list or autogenerate will not see it\n`,
      'named by the compiled file: this one has no source map',
    );
  });

  test('a model defined but not exported (a forgotten export) is found too', async () => {
    const r = await checkWithModule('pantry-shelf', [
      "const shelves = defineTable('pantry_shelves', { id: col.integer().primaryKey() });",
      'export const shelfCount = 1;',
    ]);
    assert.equal(r.code, 255, r.out + r.err);
    assert.equal(
      r.out,
      `FAILED: Model 'pantry_shelves' (defined in ${r.compiled}, not exported) is not registered in the metadata; export it and add it to the models list or autogenerate will not see it\n`,
    );
  });

  test('a model in a subfolder edited after the build stops autogenerate, naming it', async () => {
    const cleanup = subfolderModel(true);
    try {
      const r = await autogenerate();
      assert.equal(r.code, 255, r.out + r.err);
      assert.match(
        r.out,
        /^FAILED: src\/models\/billing\/invoice\.ts changed after the last build: run 'npm run build' first/,
      );
    } finally {
      cleanup();
    }
  });

  test('a model file deleted while another still imports it stops autogenerate, naming both', async () => {
    const source = path.join(root, 'src', 'models', 'scan-log.ts');
    const kept = fs.readFileSync(source);
    fs.rmSync(source);
    try {
      const r = await autogenerate();
      assert.equal(r.code, 255, r.out + r.err);
      assert.equal(
        r.out,
        "FAILED: src/models/scan-log.ts no longer exists, but src/models/index.ts still imports it: remove the import, then run 'npm run build' (autogenerate compares the database with the compiled models in dist/src/models)\n",
      );
    } finally {
      fs.writeFileSync(source, kept);
      fs.utimesSync(source, written, written);
    }
  });

  test('a model file added without a build stops it too', async () => {
    const label = path.join(root, 'src', 'models', 'label.ts');
    fs.writeFileSync(label, "export const label = 'not built';\n");
    try {
      const r = await autogenerate();
      assert.equal(r.code, 255, r.out + r.err);
      assert.match(
        r.out,
        /^FAILED: src\/models\/label\.ts has not been built yet: run 'npm run build' first/,
      );
    } finally {
      fs.rmSync(label);
    }
  });
});
