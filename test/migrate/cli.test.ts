import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli } from '../support/cli.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { APP_MIGRATIONS, engine } from '../support/engine.js';

/** The executable as a user runs it: streams, exit codes, configuration errors. */
describe('expireeye db (the executable)', () => {
  let cwd: string;
  before(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-cli-'));
  });
  after(() => fs.rmSync(cwd, { recursive: true, force: true }));

  test('the embedded default: upgrade head creates ./data/expireeye.sqlite; current prints the head', async () => {
    const up = await cli(['db', 'upgrade', 'head'], {}, cwd);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /^INFO {2}\[expireeye\.runtime\.migration\] Context impl SQLiteImpl\.\n/);
    assert.match(up.stderr, /Running upgrade {2}-> \w{12}, initial schema\n/);
    assert.ok(fs.existsSync(path.join(cwd, 'data', 'expireeye.sqlite')));
    const cur = await cli(['db', 'current'], {}, cwd);
    assert.equal(cur.code, 0);
    assert.match(cur.stdout, /^\w{12} \(head\)\n$/);
  });

  test('a command error: ERROR on stderr, FAILED on stdout, exit 255, no stack trace', async () => {
    const r = await cli(['db', 'upgrade', 'xyz'], {}, cwd);
    assert.equal(r.code, 255);
    assert.equal(r.stdout, "FAILED: Can't locate revision identified by 'xyz'\n");
    assert.match(
      r.stderr,
      /ERROR \[expireeye\.util\.messaging\] Can't locate revision identified by 'xyz'\n$/,
    );
    assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /);
  });

  test('errors raised before connecting print only the FAILED line', async () => {
    const r = await cli(['db', 'downgrade', '-1', '--sql'], {}, cwd);
    assert.equal(r.code, 255);
    assert.equal(r.stdout, 'FAILED: downgrade with --sql requires <fromrev>:<torev>\n');
    assert.equal(r.stderr, '');
    const show = await cli(['db', 'show', 'xyz'], {}, cwd);
    assert.equal(show.code, 255);
    assert.equal(show.stdout, "FAILED: Can't locate revision identified by 'xyz'\n");
  });

  test('edit REV opens the revision file(s) in $EDITOR (or VISUAL, or a usual editor); its errors', async () => {
    const log = path.join(cwd, 'edited.log');
    const recorder = path.join(cwd, 'record-editor');
    fs.writeFileSync(recorder, `#!/bin/sh\nfor f in "$@"; do echo "$f" >> '${log}'; done\n`, { mode: 0o755 });
    /** What the editor was given since the last call, revision paths relative to the migrations folder. */
    const edited = () => {
      const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
      fs.rmSync(log, { force: true });
      return lines.map((l) => (l.startsWith(APP_MIGRATIONS) ? path.relative(APP_MIGRATIONS, l) : l));
    };
    const versions = fs.readdirSync(path.join(APP_MIGRATIONS, 'versions')).filter((f) => f.endsWith('.ts'));
    const head = (await cli(['db', 'heads'], {}, cwd)).stdout.slice(0, 12);
    const headFile = path.join('versions', versions.find((f) => f.startsWith(head))!);
    const initial = path.join('versions', versions.find((f) => f.includes('initial_schema'))!);

    const r = await cli(['db', 'edit', 'head'], { EDITOR: recorder }, cwd);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(edited(), [headFile]);
    assert.equal(
      (await cli(['db', 'edit', initial.slice(9, 15)], { EDITOR: '', VISUAL: recorder }, cwd)).code,
      0,
    );
    assert.deepEqual(edited(), [initial], 'by a unique prefix, through VISUAL');
    // A value with arguments runs through the shell; `current` is the database's revision.
    await cli(['db', 'upgrade', 'head'], {}, cwd);
    assert.equal((await cli(['db', 'edit', 'current'], { EDITOR: `${recorder} --wait` }, cwd)).code, 0);
    assert.deepEqual(edited(), ['--wait', headFile]);

    const unknown = await cli(['db', 'edit', 'zzz'], { EDITOR: recorder }, cwd);
    assert.equal(unknown.code, 255);
    assert.equal(unknown.stdout, "FAILED: Can't locate revision identified by 'zzz'\n");
    const none = await cli(['db', 'edit', 'head'], { EDITOR: '', VISUAL: '', PATH: cwd }, cwd);
    assert.equal(none.code, 255);
    assert.equal(
      none.stdout,
      'FAILED: No suitable editor found. Please set the "EDITOR" or "VISUAL" environment variables\n',
    );
    const failing = await cli(['db', 'edit', 'head'], { EDITOR: 'false' }, cwd);
    assert.equal(failing.code, 255);
    assert.match(failing.stdout, /^FAILED: The editor '.*false' exited with status 1\n$/);
    assert.deepEqual(edited(), [], 'nothing else was opened');
  });

  test('ensure_version creates only the version table (idempotent); --sql prints it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-ensure-'));
    try {
      const url = `sqlite:${path.join(dir, 'db.sqlite')}`;
      for (let i = 0; i < 2; i++) {
        const r = await cli(['db', 'ensure_version'], { DATABASE_URL: url }, dir);
        assert.equal(r.code, 0, r.stdout + r.stderr);
      }
      const { env } = engine(url, APP_MIGRATIONS);
      try {
        const tables = (await (await env.db()).introspection.getTables()).map((t) => t.name);
        assert.deepEqual(tables, ['alembic_version']);
      } finally {
        await env.close();
      }
      assert.equal(
        (await cli(['db', 'current'], { DATABASE_URL: url }, dir)).stdout,
        '',
        'no revision recorded',
      );
      const offline = await cli(
        ['db', 'ensure_version', '--sql'],
        { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x' },
        dir,
      );
      assert.equal(offline.code, 0, offline.stdout + offline.stderr);
      assert.match(offline.stdout, /^CREATE TABLE "?alembic_version"? \(/i);
      assert.match(offline.stdout, /version_num.*PRIMARY KEY/is);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing argument is a usage error, exit 2', async () => {
    const r = await cli(['db', 'upgrade'], {}, cwd);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing required argument 'revision'/);
  });

  test('a bad or incomplete setting: one line naming the variable, no secret, no stack', async () => {
    const port = await cli(
      ['db', 'current'],
      { DB_USER: 'root', DB_HOST: '127.0.0.1', DB_PORT: 'abc', DB_NAME: 'x' },
      cwd,
    );
    assert.equal(port.code, 255);
    assert.equal(port.stdout, "FAILED: DB_PORT: must be a port number from 1 to 65535, got 'abc'\n");
    const missing = await cli(
      ['db', 'current'],
      { DB_USER: 'root', DB_PASSWORD: 'sekret', DB_HOST: 'h' },
      cwd,
    );
    assert.equal(missing.code, 255);
    assert.match(missing.stdout, /^FAILED: DB_PORT: is not set/);
    assert.doesNotMatch(missing.stdout + missing.stderr, /sekret/);
    const table = await cli(['db', 'current'], { EXPIREEYE_VERSION_TABLE: 'ops.versions' }, cwd);
    assert.equal(table.code, 255);
    assert.equal(
      table.stdout,
      "FAILED: EXPIREEYE_VERSION_TABLE: must be a table name of at most 59 letters, digits and underscores, got 'ops.versions'\n",
    );
    const url = await cli(['db', 'current'], { DATABASE_URL: 'oracle://u:sekret@h/db' }, cwd);
    assert.equal(url.code, 255);
    assert.match(url.stdout, /^FAILED: DATABASE_URL: unsupported scheme 'oracle'/);
    assert.doesNotMatch(url.stdout + url.stderr, /sekret/);
    // Refused at once: creating its directory would never return (a Node 20 quirk under /proc).
    const proc = await cli(['db', 'upgrade', 'head'], { DATABASE_URL: 'sqlite:/proc/ee/db.sqlite' }, cwd);
    assert.equal(proc.code, 255);
    assert.equal(
      proc.stdout,
      'FAILED: DATABASE_URL: sqlite: /proc/ee/db.sqlite is under /proc or /sys, which hold no files; choose a real directory\n',
    );
  });

  test('an unreachable or refused database: exit 1, one line, the password never printed', async () => {
    const r = await cli(['db', 'current'], { DATABASE_URL: 'mysql://root:sekret@127.0.0.1:3306/test' }, cwd);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ERROR \[expireeye\] .*Access denied/);
    assert.doesNotMatch(r.stdout + r.stderr, /sekret|\n\s+at /);
    const pg = await cli(
      ['db', 'current'],
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/does_not_exist_db' },
      cwd,
    );
    assert.equal(pg.code, 1);
    assert.match(pg.stderr, /does_not_exist_db/);
    assert.equal(pg.stderr.trim().split('\n').length, 3, pg.stderr); // two INFO lines and the error
  });
});

describe('seed variables and DATABASE_URL select the server databases', () => {
  let maria: ScratchDatabase;
  let pg: ScratchDatabase;
  before(async () => {
    [maria, pg] = await Promise.all([scratchDatabase('mysql'), scratchDatabase('postgres')]);
  });
  after(() => Promise.all([maria.drop(), pg.drop()]));

  test("DB_* (the seed's env.py) select MySQL/MariaDB", async () => {
    const vars = {
      DB_USER: maria.parsed.user,
      DB_PASSWORD: '',
      DB_HOST: maria.parsed.host,
      DB_PORT: String(maria.parsed.port),
      DB_NAME: maria.parsed.database,
    };
    const up = await cli(['db', 'upgrade', 'head'], vars);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /Context impl MySQLImpl\.\n.*Will assume non-transactional DDL\./);
    const cur = await cli(['db', 'current', '-v'], vars);
    assert.match(
      cur.stdout,
      /^Current revision\(s\) for mysql:\/\/root@127\.0\.0\.1:3306\/ee_t_\w+:\nRev: \w{12} \(head\)\n/,
    );
  });

  test('DATABASE_URL selects PostgreSQL; --sql prints a script without connecting', async () => {
    const up = await cli(['db', 'upgrade', 'head'], { DATABASE_URL: pg.url });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /Context impl PostgresqlImpl\.\n.*Will assume transactional DDL\./);
    const offline = await cli(['db', 'upgrade', 'head', '--sql'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/unreachable',
      EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS,
    });
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /^create table "alembic_version"/);
    assert.match(offline.stdout, /-- Running upgrade {2}-> \w{12}\n\nBEGIN;\n\ncreate table "users"/);
    assert.match(
      offline.stdout,
      /insert into "alembic_version" \("version_num"\) values \('\w{12}'\);\n\nCOMMIT;\n\n/,
    );
    assert.match(
      offline.stdout,
      /update "alembic_version" set "version_num" = '\w{12}' where "version_num" = '\w{12}';\n\nCOMMIT;\n\n$/,
    );
  });
});

for (const dialect of DIALECTS) {
  describe(`EXPIREEYE_VERSION_TABLE names the version table, on ${dialect}`, () => {
    let scratch: ScratchDatabase;
    before(async () => {
      scratch = await scratchDatabase(dialect);
    });
    after(() => scratch.drop());

    test('upgrade, current and downgrade use that table; alembic_version is never created', async () => {
      const custom = { DATABASE_URL: scratch.url, EXPIREEYE_VERSION_TABLE: 'ee_versions' };
      const up = await cli(['db', 'upgrade', 'head'], custom);
      assert.equal(up.code, 0, up.stderr);
      const head = (await cli(['db', 'heads'], custom)).stdout.split(' ')[0]!;
      assert.match(head, /^[0-9a-f]{12}$/);
      assert.equal((await cli(['db', 'current'], custom)).stdout, `${head} (head)\n`);
      // Under the default name the database looks never migrated (and is left as it is).
      assert.equal((await cli(['db', 'current'], { DATABASE_URL: scratch.url })).stdout, '');
      const { env } = engine(scratch.url, APP_MIGRATIONS);
      try {
        const tables = (await (await env.db()).introspection.getTables()).map((t) => t.name);
        assert.ok(tables.includes('ee_versions'), tables.join());
        assert.ok(!tables.includes('alembic_version'), tables.join());
      } finally {
        await env.close();
      }
      const down = await cli(['db', 'downgrade', 'base'], custom);
      assert.equal(down.code, 0, down.stderr);
      assert.equal((await cli(['db', 'current'], custom)).stdout, '');
    });

    test('ensure_version creates that table alone, and again is a no-op', async () => {
      const custom = { DATABASE_URL: scratch.url, EXPIREEYE_VERSION_TABLE: 'ee_ensured' };
      for (let i = 0; i < 2; i++) {
        const r = await cli(['db', 'ensure_version'], custom);
        assert.equal(r.code, 0, r.stdout + r.stderr);
      }
      const { env } = engine(scratch.url, APP_MIGRATIONS, { versionTable: 'ee_ensured' });
      try {
        const tables = (await (await env.db()).introspection.getTables()).map((t) => t.name);
        assert.ok(tables.includes('ee_ensured'), tables.join());
        assert.deepEqual(await env.currentHeads(), []);
      } finally {
        await env.close();
      }
    });
  });
}
