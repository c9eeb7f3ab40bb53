import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, spawnCli } from '../support/cli.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import {
  APP_MIGRATIONS,
  engine,
  type RevisionSpec,
  scratchScripts,
  writeRevision,
} from '../support/engine.js';

/** A scratch project: a migrations folder with these revisions and a SQLite database beside it. */
function scratchProject(prefix: string, revisions: RevisionSpec[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const scripts = path.join(dir, 'migrations');
  fs.mkdirSync(path.join(scripts, 'versions'), { recursive: true });
  for (const r of revisions) writeRevision(scripts, r);
  const env = { DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, EXPIREEYE_SCRIPT_LOCATION: scripts };
  return { dir, env };
}

/** The executable as a user runs it: streams, exit codes, configuration errors. */
describe('expireeye db (the executable)', () => {
  let cwd: string;
  before(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-cli-'));
  });
  after(() => fs.rmSync(cwd, { recursive: true, force: true }));

  test('the embedded default: upgrade head creates ./data/expireeye.sqlite; current prints the head', async () => {
    fs.writeFileSync(path.join(cwd, 'package.json'), '{}\n');
    const up = await cli(['db', 'upgrade', 'head'], {}, cwd);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /^INFO {2}\[expireeye\.runtime\.migration\] Context impl SQLiteImpl\.\n/);
    assert.match(up.stderr, /Running upgrade {2}-> \w{12}, initial schema\n/);
    const file = path.join(cwd, 'data', 'expireeye.sqlite');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'it holds password hashes: owner only');
    const cur = await cli(['db', 'current'], {}, cwd);
    assert.equal(cur.code, 0);
    assert.match(cur.stdout, /^\w{12} \(head\)\n$/);
  });

  test('the embedded default from a subfolder of a project: the database in the project root, not the subfolder', async () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-project-'));
    try {
      fs.writeFileSync(path.join(project, 'package.json'), '{}\n');
      const sub = path.join(project, 'src');
      fs.mkdirSync(sub);
      const up = await cli(['db', 'upgrade', 'head'], {}, sub);
      assert.equal(up.code, 0, up.stderr);
      assert.ok(fs.existsSync(path.join(project, 'data', 'expireeye.sqlite')));
      assert.equal(fs.existsSync(path.join(sub, 'data')), false);
      assert.match((await cli(['db', 'current'], {}, project)).stdout, /^\w{12} \(head\)\n$/);
      // A relative sqlite: path in the project's .env is the project's too, its folder made as ./data is.
      fs.writeFileSync(path.join(project, '.env'), 'DATABASE_URL=sqlite:./db/from-env.sqlite\n');
      const fromEnv = await cli(['db', 'upgrade', 'head'], {}, sub);
      assert.equal(fromEnv.code, 0, fromEnv.stderr);
      assert.ok(fs.existsSync(path.join(project, 'db', 'from-env.sqlite')));
      assert.equal(fs.existsSync(path.join(sub, 'db')), false);
      // SQLAlchemy's spellings: three slashes then a relative path, four then an absolute one.
      const relative = await cli(
        ['db', 'upgrade', 'head'],
        { DATABASE_URL: 'sqlite:///alchemy/rel.sqlite' },
        sub,
      );
      assert.equal(relative.code, 0, relative.stderr);
      assert.ok(fs.existsSync(path.join(project, 'alchemy', 'rel.sqlite')));
      const absolute = path.join(project, 'abs.sqlite');
      const abs = await cli(['db', 'upgrade', 'head'], { DATABASE_URL: `sqlite:///${absolute}` }, sub);
      assert.equal(abs.code, 0, abs.stderr);
      assert.ok(fs.existsSync(absolute));
      // Three slashes before an existing absolute database meant that one until now: refused, not
      // a new empty database in the project.
      const moved = await cli(['db', 'current'], { DATABASE_URL: `sqlite://${absolute}` }, sub);
      assert.equal(moved.code, 255, moved.stderr);
      assert.equal(
        moved.stdout,
        `FAILED: DATABASE_URL: sqlite://${absolute} is ${path.join(project, absolute.slice(1))} (relative, as in SQLAlchemy), which does not exist, but ${absolute} does: for that one write sqlite:///${absolute}\n`,
      );
      assert.equal(fs.existsSync(path.join(project, absolute.slice(1))), false);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  });

  test('outside any project the embedded default has no home: a FAILED line asks for DATABASE_URL', async () => {
    // No folder from here up holds a package.json or .env: neither this folder nor ExpireEye's
    // own (inside node_modules for a global install) is the place for a database.
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-elsewhere-'));
    try {
      const up = await cli(['db', 'upgrade', 'head'], {}, elsewhere);
      assert.equal(up.code, 255, up.stderr);
      assert.equal(
        up.stdout,
        `FAILED: DATABASE_URL: is not set, and no folder here or above holds a package.json or .env to keep the embedded SQLite database in: run from the project folder, or set DATABASE_URL (e.g. sqlite:${elsewhere}/expireeye.sqlite)\n`,
      );
      assert.deepEqual(fs.readdirSync(elsewhere), [], 'nothing made where the command was run');
      const given = await cli(['db', 'upgrade', 'head'], { DATABASE_URL: 'sqlite:here.sqlite' }, elsewhere);
      assert.equal(given.code, 0, given.stderr);
      assert.ok(
        fs.existsSync(path.join(elsewhere, 'here.sqlite')),
        "a relative path given is the working folder's",
      );
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
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
      // In one transaction on PostgreSQL, as Alembic's env.py writes every offline script there.
      assert.match(offline.stdout, /^BEGIN;\n\nCREATE TABLE "?alembic_version"? \(.*\);\n\nCOMMIT;\n\n$/is);
      assert.match(offline.stdout, /version_num.*PRIMARY KEY/is);
      const sqlite = await cli(
        ['db', 'ensure_version', '--sql'],
        { DATABASE_URL: `sqlite:${path.join(dir, 'never.sqlite')}` },
        dir,
      );
      assert.equal(sqlite.code, 0, sqlite.stdout + sqlite.stderr);
      assert.match(sqlite.stdout, /^CREATE TABLE "?alembic_version"? \([^;]*\);\n\n$/i);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing argument is a usage error, exit 2', async () => {
    const r = await cli(['db', 'upgrade'], {}, cwd);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing required argument 'revision'/);
  });

  test('a missing command is a usage error too (exit 2, the usage on stderr); help asked for is not', async () => {
    const none = await cli(['db'], {}, cwd);
    assert.equal(none.code, 2, 'Alembic: "error: too few arguments", exit 2');
    assert.match(none.stderr, /^Usage: db \[options\] \[command\]/);
    assert.equal(none.stdout, '');
    for (const asked of [['--help'], ['help'], ['help', 'upgrade']]) {
      const r = await cli(['db', ...asked], {}, cwd);
      assert.equal(r.code, 0, asked.join(' '));
      assert.match(r.stdout, /^Usage: db /, asked.join(' '));
    }
  });

  test('a bad or incomplete setting: one line naming the variable, no secret, no stack', async () => {
    const port = await cli(
      ['db', 'current'],
      { DB_USER: 'root', DB_HOST: '127.0.0.1', DB_PORT: 'abc', DB_NAME: 'x' },
      cwd,
    );
    assert.equal(port.code, 255);
    assert.equal(port.stdout, "FAILED: DB_PORT: must be a port number from 1 to 65535, got 'abc'\n");
    const hex = await cli(
      ['db', 'current'],
      { DB_USER: 'root', DB_HOST: '127.0.0.1', DB_PORT: '0x0CEA', DB_NAME: 'x' },
      cwd,
    );
    assert.equal(hex.stdout, "FAILED: DB_PORT: must be a port number from 1 to 65535, got '0x0CEA'\n");
    for (const host of ['h@x', '127.0.0.1:3306', 'bad/host']) {
      const bad = await cli(
        ['db', 'current'],
        { DB_USER: 'root', DB_PASSWORD: 'sekret', DB_HOST: host, DB_PORT: '3306', DB_NAME: 'x' },
        cwd,
      );
      assert.equal(bad.code, 255, host);
      assert.equal(
        bad.stdout,
        `FAILED: DB_HOST: must be a host name or an IP address, without port or path (the port is DB_PORT), got '${host}'\n`,
      );
      assert.doesNotMatch(bad.stdout + bad.stderr, /sekret/);
    }
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
      "FAILED: EXPIREEYE_VERSION_TABLE: must be a table name of at most 59 letters, digits and underscores, not starting with a digit, got 'ops.versions'\n",
    );
    // A scripts folder that is not one: named as a setting; a bad revision file: Alembic's FAILED.
    const nowhere = await cli(['db', 'heads'], { EXPIREEYE_SCRIPT_LOCATION: '/nonexistent/migrations' }, cwd);
    assert.deepEqual(
      [nowhere.code, nowhere.stdout, nowhere.stderr],
      [
        255,
        "FAILED: EXPIREEYE_SCRIPT_LOCATION: '/nonexistent/migrations' is not a migrations folder: it must hold the revision files in a versions/ folder\n",
        '',
      ],
    );
    const scripts = scratchScripts();
    try {
      fs.writeFileSync(path.join(scripts.dir, 'versions', 'notes.ts'), 'export const x = 1;\n');
      const stray = await cli(['db', 'heads'], { EXPIREEYE_SCRIPT_LOCATION: scripts.dir }, cwd);
      assert.deepEqual(
        [stray.code, stray.stdout, stray.stderr],
        [255, 'FAILED: Could not determine revision id from filename notes.ts\n', ''],
      );
    } finally {
      scripts.cleanup();
    }
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

  test('DATABASE_URL parameters: TLS is asked for (these servers have none: refused), a Unix socket is used, anything else is refused', async () => {
    const pg = await scratchDatabase('postgres');
    const my = await scratchDatabase('mysql');
    try {
      const run = (url: string) =>
        cli(['db', 'current'], { DATABASE_URL: url, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS }, cwd);
      const withQuery = (db: ScratchDatabase, q: string) =>
        `${db.url}${db.url.includes('?') ? '&' : '?'}${q}`;
      // The drivers stop rather than go on in the clear when TLS was asked for.
      const pgTls = await run(withQuery(pg, 'sslmode=require'));
      assert.equal(pgTls.code, 1, pgTls.stdout + pgTls.stderr);
      assert.match(pgTls.stderr, /does not support SSL/i);
      const myTls = await run(withQuery(my, 'ssl-mode=REQUIRED'));
      assert.equal(myTls.code, 1, myTls.stdout + myTls.stderr);
      assert.match(myTls.stderr, /secure connection|SSL/i);
      const clear = await run(withQuery(pg, 'sslmode=disable'));
      assert.equal(clear.code, 0, clear.stdout + clear.stderr);
      const unknown = await run(withQuery(pg, 'application_name=x'));
      assert.equal(unknown.code, 255);
      assert.match(
        unknown.stdout,
        /^FAILED: DATABASE_URL: unsupported parameter 'application_name' \(supported: /,
      );
      const prefer = await run(withQuery(my, 'sslmode=prefer'));
      assert.match(prefer.stdout, /^FAILED: DATABASE_URL: sslmode=prefer is not supported/);
      // The local servers' Unix sockets (Debian's places; TEST_*_SOCKET elsewhere).
      const pgSocketDir = process.env.TEST_POSTGRES_SOCKET_DIR ?? '/var/run/postgresql';
      const mySocket = process.env.TEST_MYSQL_SOCKET ?? '/run/mysqld/mysqld.sock';
      const viaPgSocket = await run(
        `postgres://${pg.parsed.user}@localhost/${pg.parsed.database}?host=${pgSocketDir}`,
      );
      assert.equal(viaPgSocket.code, 0, viaPgSocket.stdout + viaPgSocket.stderr);
      const viaMySocket = await run(`mysql://root@localhost/${my.parsed.database}?socket=${mySocket}`);
      assert.equal(viaMySocket.code, 0, viaMySocket.stdout + viaMySocket.stderr);
      const verbose = await cli(
        ['db', 'current', '-v'],
        {
          DATABASE_URL: `mysql://root@localhost/${my.parsed.database}?socket=${mySocket}`,
          EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS,
        },
        cwd,
      );
      assert.match(verbose.stderr + verbose.stdout, new RegExp(`\\?socket=${mySocket}`));
    } finally {
      await pg.drop();
      await my.drop();
    }
  });

  test('output into a pipe that closes early (| head): no stack trace, the exit code of the command', async () => {
    // history -v of 400 revisions is more than a pipe holds, so the writer meets the closed pipe.
    const specs: RevisionSpec[] = Array.from({ length: 400 }, (_, i) => ({
      id: `ee${String(i).padStart(10, '0')}`,
      down: i ? `ee${String(i - 1).padStart(10, '0')}` : null,
      message: `step ${i}`,
    }));
    const project = scratchProject('ee-epipe-', specs);
    try {
      const { child, result } = spawnCli(['db', 'history', '-v'], project.env, cwd);
      child.stdout!.once('data', () => child.stdout!.destroy());
      const r = await result;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
    } finally {
      fs.rmSync(project.dir, { recursive: true, force: true });
    }
  });

  test('a SQLite database file that exists keeps its mode', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-mode-'));
    try {
      const file = path.join(dir, 'shared.sqlite');
      fs.writeFileSync(file, '');
      fs.chmodSync(file, 0o640);
      const up = await cli(['db', 'upgrade', 'head'], { DATABASE_URL: `sqlite:${file}` }, cwd);
      assert.equal(up.code, 0, up.stderr);
      assert.equal(fs.statSync(file).mode & 0o777, 0o640);
      assert.ok(fs.statSync(file).size > 0, 'migrated');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a SQLite path in a folder that does not exist: an error, as to SQLite; the folder is not made', async () => {
    const missing = path.join(cwd, 'no-such-folder');
    const r = await cli(['db', 'upgrade', 'head'], { DATABASE_URL: `sqlite:${missing}/db.sqlite` }, cwd);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /ERROR \[expireeye\] .*unable to open database file .*db\.sqlite: folder .*no-such-folder does not exist\n$/,
    );
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
    assert.equal(fs.existsSync(missing), false);
  });

  test("revision: a message holding */ and a branch label holding ' are written and read back as given", async () => {
    const { dir, env } = scratchProject('ee-cli-quoting-', []);
    try {
      const made = await cli(
        ['db', 'revision', '-m', 'drop the */ marker', '--rev-id', 'ab0000000001', '--branch-label', "o'k"],
        env,
      );
      assert.equal(made.code, 0, made.stderr + made.stdout);
      const up = await cli(['db', 'upgrade', 'head'], env);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stderr, /Running upgrade {2}-> ab0000000001, drop the \*\/ marker\n/);
      assert.equal((await cli(['db', 'heads'], env)).stdout, "ab0000000001 (o'k) (head)\n");
      const show = await cli(['db', 'show', "o'k@head"], env);
      assert.equal(show.code, 0, show.stderr + show.stdout);
      assert.match(show.stdout, /^Branch names: o'k$/m);
      assert.match(show.stdout, /^ {4}drop the \*\/ marker$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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
    // The error alone: Alembic prints its INFO lines only once connected (reference §3.15).
    assert.equal(pg.stderr.trim().split('\n').length, 1, pg.stderr);
    assert.doesNotMatch(r.stderr + pg.stderr, /Context impl/);
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

  test(".env: the seed's DB_* read from the project's .env, also from a subfolder; the environment wins", async () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-dotenv-'));
    try {
      fs.writeFileSync(path.join(project, 'package.json'), '{}\n');
      fs.writeFileSync(
        path.join(project, '.env'),
        [
          '# the local MariaDB (python-dotenv rules: a comment line, an inline comment after a blank)',
          `DB_USER=${maria.parsed.user}`,
          'DB_PASSWORD=',
          `DB_HOST=${maria.parsed.host} # no password`,
          `DB_PORT=${maria.parsed.port}`,
          `DB_NAME=${maria.parsed.database}`,
          '',
        ].join('\n'),
      );
      const sub = path.join(project, 'src', 'deep');
      fs.mkdirSync(sub, { recursive: true });
      const mariaUrl = new RegExp(
        `^Current revision\\(s\\) for mysql://root@127\\.0\\.0\\.1:3306/${maria.parsed.database}:`,
      );
      for (const cwd of [project, sub]) {
        const cur = await cli(['db', 'current', '-v'], {}, cwd);
        assert.equal(cur.code, 0, cur.stderr);
        assert.match(cur.stdout, mariaUrl, cwd);
      }
      assert.equal(fs.existsSync(path.join(sub, 'data')), false, 'no SQLite database made in the subfolder');
      const pgWins = await cli(['db', 'current', '-v'], { DATABASE_URL: pg.url }, sub);
      assert.match(pgWins.stdout, /^Current revision\(s\) for postgresql:/);
      // Not past a project's root: a .env above another package.json is that other project's.
      const inner = path.join(project, 'vendor', 'other');
      fs.mkdirSync(inner, { recursive: true });
      fs.writeFileSync(path.join(inner, 'package.json'), '{}\n');
      const other = await cli(['db', 'current', '-v'], {}, inner);
      assert.match(other.stdout, /^Current revision\(s\) for sqlite:/);
      // A DATABASE_URL that only .env gives does not override DB_* the environment gives.
      fs.writeFileSync(path.join(project, '.env'), `DATABASE_URL=sqlite:./from-env-file.sqlite\n`);
      const fromEnvironment = {
        DB_USER: maria.parsed.user,
        DB_HOST: maria.parsed.host,
        DB_PORT: String(maria.parsed.port),
        DB_NAME: maria.parsed.database,
      };
      const envWins = await cli(['db', 'current', '-v'], fromEnvironment, project);
      assert.match(envWins.stdout, mariaUrl, envWins.stdout + envWins.stderr);
      const fileAlone = await cli(['db', 'current', '-v'], {}, project);
      assert.match(fileAlone.stdout, /^Current revision\(s\) for sqlite:.*from-env-file\.sqlite:/);
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
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

/** The two lines of a command that reaches a SQLite database (transactional here, unlike Alembic). */
const SQLITE_INFO = [
  'INFO  [expireeye.runtime.migration] Context impl SQLiteImpl.',
  'INFO  [expireeye.runtime.migration] Will assume transactional DDL.',
  '',
].join('\n');

/**
 * What `heads`, `history`, `current`, `show` and `merge` print on two labelled branches where one
 * depends on the other's head, byte for byte as Alembic 1.8.1 prints it on the same revisions.
 */
describe('expireeye db on labelled branches with a dependency (Alembic output)', () => {
  let dir: string;
  let env: Record<string, string>;
  const db = (...args: string[]) => cli(['db', ...args], env, dir);
  const sortedLines = (text: string) => text.split('\n').filter(Boolean).sort();
  /** Alembic's `log_entry` of one revision (an absolute Path, whatever the working directory). */
  const entry = (head: string, file: string, doc: string[]) =>
    [head, `Path: ${dir}/migrations/versions/${file}.ts`, '', ...doc.map((l) => `    ${l}`), '', ''].join(
      '\n',
    );
  const docOf = (message: string, id: string, revises: string) => [
    message,
    '',
    `Revision ID: ${id}`,
    `Revises: ${revises}`,
    'Create Date: 2026-11-25 12:00:00.000000',
  ];

  before(() => {
    // core: c0e000000001 -> c0e000000002; reports: e0e000000001 -> e0e000000002, which also depends
    // on c0e000000002. So c0e000000002 is a head that only a dependency builds on.
    ({ dir, env } = scratchProject('ee-labels-', [
      { id: 'c0e000000001', message: 'core', branchLabels: ['core'] },
      { id: 'e0e000000001', message: 'reports', branchLabels: ['reports'] },
      { id: 'c0e000000002', down: 'c0e000000001', message: 'core 2' },
      { id: 'e0e000000002', down: 'e0e000000001', dependsOn: ['c0e000000002'], message: 'reports 2' },
    ]));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('merge refuses a revision that is not a head, and the same head twice', async () => {
    const notHead = await db('merge', '-m', 'm', 'c0e000000001', 'e0e000000002');
    assert.equal(notHead.code, 255);
    assert.equal(
      notHead.stdout,
      'FAILED: Revision c0e000000001 is not a head revision; please specify --splice to create a new branch from this revision\n',
    );
    assert.equal(notHead.stderr, '');
    const twice = await db('merge', '-m', 'm', 'e0e000000002', 'e0e000000002');
    assert.equal(twice.code, 255);
    assert.equal(twice.stdout, 'FAILED: Duplicate head revisions specified\n');
    assert.equal(fs.readdirSync(path.join(env.EXPIREEYE_SCRIPT_LOCATION!, 'versions')).length, 4);
  });

  test('heads: a head that is only depended on is an (effective head)', async () => {
    const r = await db('heads');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(sortedLines(r.stdout), [
      'c0e000000002 (core) (effective head)',
      'e0e000000002 (reports) (head)',
    ]);
  });

  test('history: the dependencies in parentheses after the down revision', async () => {
    const r = await db('history');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'e0e000000001 (c0e000000002) -> e0e000000002 (reports) (head), reports 2',
        '<base> -> e0e000000001 (reports), reports',
        'c0e000000001 -> c0e000000002 (core) (effective head), core 2',
        '<base> -> c0e000000001 (core), core',
        '',
      ].join('\n'),
    );
  });

  test('show and heads -v: Rev: without labels, then Also depends on, Branch names, Path', async () => {
    const reports2 = entry(
      'Rev: e0e000000002 (head)\nParent: e0e000000001\nAlso depends on: c0e000000002\nBranch names: reports',
      'e0e000000002_reports_2',
      docOf('reports 2', 'e0e000000002', 'e0e000000001'),
    );
    const core2 = entry(
      'Rev: c0e000000002 (head)\nParent: c0e000000001\nBranch names: core',
      'c0e000000002_core_2',
      docOf('core 2', 'c0e000000002', 'c0e000000001'),
    );
    const show = await db('show', 'e0e000000002');
    assert.equal(show.code, 0, show.stderr);
    assert.equal(show.stdout, reports2);
    const heads = await db('heads', '-v');
    assert.equal(heads.code, 0, heads.stderr);
    assert.ok([reports2 + core2, core2 + reports2].includes(heads.stdout), heads.stdout);
  });

  test("show: a root revision's docstring keeps 'Revises: ' with its trailing space", async () => {
    const r = await db('show', 'c0e000000001');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      entry('Rev: c0e000000001\nParent: <base>\nBranch names: core', 'c0e000000001_core', [
        'core',
        '',
        'Revision ID: c0e000000001',
        'Revises: ',
        'Create Date: 2026-11-25 12:00:00.000000',
      ]),
    );
  });

  test('current: no branch labels; current -v lists them under Branch names', async () => {
    assert.equal((await db('upgrade', 'c0e000000002')).code, 0);
    const r = await db('current');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'c0e000000002 (effective head)\n');
    const verbose = await db('current', '-v');
    assert.match(
      verbose.stdout,
      /^Current revision\(s\) for sqlite:.*:\nRev: c0e000000002 \(head\)\nParent: c0e000000001\nBranch names: core\nPath: /,
    );
  });

  test('current after upgrade heads: the depended-on head, which has no row, is an (effective head)', async () => {
    // A database of its own: the tests around this one share theirs, stopped at c0e000000002.
    const fresh = { ...env, DATABASE_URL: `sqlite:${path.join(dir, 'heads.sqlite')}` };
    assert.equal((await cli(['db', 'upgrade', 'heads'], fresh, dir)).code, 0);
    // The version table holds e0e000000002 alone (show current prints the rows)...
    const rows = await cli(['db', 'show', 'current'], fresh, dir);
    assert.deepEqual(rows.stdout.match(/^Rev: .*$/gm), ['Rev: e0e000000002 (head)']);
    // ...but current, as Alembic's, also lists the core head that row depends on.
    const r = await cli(['db', 'current'], fresh, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, SQLITE_INFO);
    assert.deepEqual(sortedLines(r.stdout), ['c0e000000002 (effective head)', 'e0e000000002 (head)']);
    const verbose = await cli(['db', 'current', '-v'], fresh, dir);
    assert.deepEqual(verbose.stdout.match(/^Rev: .*$/gm)?.sort(), [
      'Rev: c0e000000002 (head)',
      'Rev: e0e000000002 (head)',
    ]);
  });

  test('merge heads leaves out the head that is only depended on: a revision on the other alone', async () => {
    const r = await db('merge', '-m', 'merge all', '--rev-id', 'fee000000001', 'heads');
    const file = path.join(env.EXPIREEYE_SCRIPT_LOCATION!, 'versions', 'fee000000001_merge_all.ts');
    try {
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.stdout, `Generating ${file} ...  done\n`);
      assert.equal(r.stderr, '');
      const heads = await db('heads');
      assert.deepEqual(sortedLines(heads.stdout), [
        'c0e000000002 (core) (effective head)',
        'fee000000001 (reports) (head)',
      ]);
      const history = await db('history', '-r', 'e0e000000002:');
      assert.equal(
        history.stdout,
        'e0e000000002 -> fee000000001 (reports) (head), merge all\n' +
          'e0e000000001 (c0e000000002) -> e0e000000002 (reports), reports 2\n',
      );
    } finally {
      // The tests after this one expect the four revisions of before().
      fs.rmSync(file, { force: true });
    }
  });

  test('show current: the two INFO lines; a revision the files lack is FAILED, exit 255', async () => {
    const ok = await db('show', 'current');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stderr, SQLITE_INFO);
    assert.match(ok.stdout, /^Rev: c0e000000002 \(head\)\nParent: c0e000000001\n/);

    const { env: engineEnv } = engine(env.DATABASE_URL!, env.EXPIREEYE_SCRIPT_LOCATION!);
    try {
      await engineEnv.applyVersionChanges(await engineEnv.db(), [
        { kind: 'update', from: 'c0e000000002', to: 'ffff00000009' },
      ]);
    } finally {
      await engineEnv.close();
    }
    const unknown = await db('show', 'current');
    assert.equal(unknown.code, 255);
    assert.equal(unknown.stdout, "FAILED: Can't locate revision identified by 'ffff00000009'\n");
    assert.equal(
      unknown.stderr,
      `${SQLITE_INFO}ERROR [expireeye.util.messaging] Can't locate revision identified by 'ffff00000009'\n`,
    );
  });

  test('show: a labelled branch point lists Branches into before Branch names', async () => {
    writeRevision(env.EXPIREEYE_SCRIPT_LOCATION!, {
      id: 'c0e000000003',
      down: 'c0e000000001',
      message: 'core 3',
    });
    const r = await db('show', 'c0e000000001');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Rev: c0e000000001 \(branchpoint\)\nParent: <base>\nBranches into: c0e000000002, c0e000000003\nBranch names: core\nPath: /,
    );
  });
});

/** aaaa00000001 -> aaaa00000002 -> aaaa00000003. */
const LINEAR: RevisionSpec[] = [
  { id: 'aaaa00000001', message: 'one' },
  { id: 'aaaa00000002', down: 'aaaa00000001', message: 'two' },
  { id: 'aaaa00000003', down: 'aaaa00000002', message: 'three' },
];

/** `history -r` with relative ends, on a linear history with the database in the middle. */
describe('expireeye db history ranges (Alembic output)', () => {
  let dir: string;
  let env: Record<string, string>;
  const db = (...args: string[]) => cli(['db', ...args], env, dir);

  before(async () => {
    ({ dir, env } = scratchProject('ee-ranges-', LINEAR));
    const up = await db('upgrade', 'aaaa00000002');
    assert.equal(up.code, 0, up.stderr);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('current:+1, :+2 and REV:+1; (current) is marked only with -i', async () => {
    const cur = await db('history', '-rcurrent:+1');
    assert.equal(cur.code, 0, cur.stdout);
    assert.equal(cur.stderr, SQLITE_INFO);
    assert.equal(
      cur.stdout,
      'aaaa00000002 -> aaaa00000003 (head), three\naaaa00000001 -> aaaa00000002, two\n',
    );
    const fromBase = await db('history', '-r:+2');
    assert.equal(fromBase.code, 0, fromBase.stdout);
    assert.equal(fromBase.stdout, 'aaaa00000001 -> aaaa00000002, two\n<base> -> aaaa00000001, one\n');
    const fromRev = await db('history', '-raaaa00000001:+1');
    assert.equal(fromRev.code, 0, fromRev.stdout);
    assert.equal(fromRev.stdout, 'aaaa00000001 -> aaaa00000002, two\n<base> -> aaaa00000001, one\n');
    const marked = await db('history', '-i', '-rcurrent:');
    assert.equal(
      marked.stdout,
      'aaaa00000002 -> aaaa00000003 (head), three\naaaa00000001 -> aaaa00000002 (current), two\n',
    );
  });

  test('REV:-1 is a relative upper end that goes the wrong way: FAILED, exit 255', async () => {
    const r = await db('history', '-raaaa00000003:-1');
    assert.equal(r.code, 255);
    assert.equal(r.stdout, "FAILED: Relative revision -1 didn't produce 1 migrations\n");
    assert.equal(r.stderr, '');
  });
});

/**
 * `history -r` ends on a branch point with two heads, as Alembic 1.8.1 prints them: each end means
 * what `get_revisions` makes of it, on either side. `head` is the one head (with two: FAILED, not
 * `heads`), `heads` both, `base` none (`base:base` lists nothing rather than failing), and the
 * upper end is read first. Alembic lists sibling heads in the order of os.listdir(); ours in a
 * fixed order, so the two head lines are compared as a set.
 */
describe('expireeye db history ranges on two heads (Alembic output)', () => {
  let dir: string;
  let env: Record<string, string>;
  const db = (...args: string[]) => cli(['db', ...args], env, dir);
  const multipleHeads = (arg: string) =>
    `FAILED: Multiple head revisions are present for given argument '${arg}'; please specify a specific target revision, '<branchname>@${arg}' to narrow to a specific head, or 'heads' for all heads\n`;
  const HEADS = ['aaaa00000002 -> aaaa00000003 (head), three', 'aaaa00000002 -> bbbb00000003 (head), bthree'];
  const BELOW = ['aaaa00000001 -> aaaa00000002 (branchpoint), two', '<base> -> aaaa00000001, one'];
  /** The output's lines with the leading head lines sorted. */
  const lines = (stdout: string) => {
    const all = stdout.split('\n').filter(Boolean);
    const heads = all.filter((l) => l.includes('(head)')).sort();
    return [...heads, ...all.filter((l) => !l.includes('(head)'))];
  };

  before(() => {
    ({ dir, env } = scratchProject('ee-two-heads-', [
      ...LINEAR,
      { id: 'bbbb00000003', down: 'aaaa00000002', message: 'bthree' },
    ]));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(':head, base:head and REV:head fail with two heads (:head is not :heads)', async () => {
    for (const range of [':head', 'base:head', 'aaaa00000003:head', 'xyz:head', 'head:head']) {
      const r = await db('history', '-r', range);
      assert.equal(r.code, 255, range);
      assert.equal(r.stdout, multipleHeads('head'), range);
      assert.equal(r.stderr, '', range);
    }
    for (const range of [':heads', 'base:', 'base:heads']) {
      const r = await db('history', '-r', range);
      assert.equal(r.code, 0, r.stdout);
      assert.deepEqual(lines(r.stdout), [...HEADS, ...BELOW], range);
    }
  });

  test('a range from current that fails after the environment ran: ERROR logged, then FAILED', async () => {
    const fresh = { ...env, DATABASE_URL: `sqlite:${path.join(dir, 'current-range.sqlite')}` };
    assert.equal((await cli(['db', 'upgrade', 'heads'], fresh, dir)).code, 0);
    const r = await cli(['db', 'history', '-r', 'current:+2'], fresh, dir);
    assert.equal(r.code, 255);
    assert.equal(r.stdout, 'FAILED: Ambiguous upgrade from multiple current revisions\n');
    assert.match(
      r.stderr,
      /transactional DDL\.\nERROR \[expireeye\.util\.messaging\] Ambiguous upgrade from multiple current revisions\n$/,
    );
  });

  test('base:base and :base list nothing; heads:heads and heads: list the heads; head: names heads', async () => {
    for (const range of ['base:base', ':base']) {
      const r = await db('history', '-r', range);
      assert.equal(r.code, 0, `${range}: ${r.stdout}`);
      assert.equal(r.stdout, '', range);
    }
    for (const range of ['heads:heads', 'heads:']) {
      const r = await db('history', '-r', range);
      assert.equal(r.code, 0, `${range}: ${r.stdout}`);
      assert.deepEqual(lines(r.stdout), HEADS, range);
    }
    // A failing lower end is reported with the upper end's argument, as Alembic's message does.
    const failures: [string, string][] = [
      ['head:', multipleHeads('heads')],
      ['head:base', multipleHeads('base')],
      ['heads:+1', multipleHeads('+1')],
      ['head:xyz', "FAILED: Can't locate revision identified by 'xyz'\n"],
      [
        'aaaa00000002:base',
        'FAILED: Requested range aaaa00000002:base does not refer to ancestor/descendant revisions along the same branch\n',
      ],
      [
        'heads:aaaa00000003',
        'FAILED: Requested range heads:aaaa00000003 does not refer to ancestor/descendant revisions along the same branch\n',
      ],
    ];
    for (const [range, stdout] of failures) {
      const r = await db('history', '-r', range);
      assert.equal(r.code, 255, range);
      assert.equal(r.stdout, stdout, range);
    }
    const oneBranch = await db('history', '-r', 'aaaa00000003:heads');
    assert.equal(oneBranch.stdout, `${HEADS[0]}\n`);
  });

  test('downgrade heads:-1 --sql warns that it is ambiguous, as online; heads:base --sql takes both branches down', async () => {
    const one = await db('downgrade', 'heads:-1', '--sql');
    assert.equal(one.code, 0, one.stdout);
    assert.match(
      one.stderr,
      /WARN {2}\[expireeye\.script\.revision\] downgrade -1 from multiple heads is ambiguous; .*\nINFO {2}\[expireeye\.runtime\.migration\] Running downgrade aaaa00000003 -> aaaa00000002, three\n$/,
    );
    const all = await db('downgrade', 'heads:base', '--sql');
    assert.equal(all.code, 0, all.stdout);
    assert.doesNotMatch(all.stderr, /WARN/);
    const ran = [...all.stdout.matchAll(/^-- Running downgrade (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(ran, [
      'aaaa00000003 -> aaaa00000002',
      'bbbb00000003 -> aaaa00000002',
      'aaaa00000002 -> aaaa00000001',
      'aaaa00000001 -> ',
    ]);
    assert.match(all.stdout, /drop table "?alembic_version"?;\n*$/i);
  });
});
