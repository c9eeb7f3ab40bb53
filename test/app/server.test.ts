import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadAppConfig } from '../../src/config/app-config.js';
import { ConfigError } from '../../src/config/config-error.js';
import { scratchDatabase } from '../support/databases.js';

const SERVER = path.resolve(import.meta.dirname, '..', '..', 'src', 'server.js');
const SECRET = 'a-server-secret-of-more-than-32-characters';

interface Running {
  child: ChildProcess;
  port: Promise<number>;
  exit: Promise<{ code: number | null; stderr: string; stdout: string }>;
}

/** Starts `node dist/src/server.js` (what `npm start` runs) with only the given environment. */
function start(env: Record<string, string>, cwd: string): Running {
  const child = spawn(process.execPath, [SERVER], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let resolvePort: (p: number) => void;
  const port = new Promise<number>((r) => {
    resolvePort = r;
  });
  child.stdout!.on('data', (d) => {
    stdout += d;
    const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
    if (m) resolvePort(Number(m[1]));
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exit = new Promise<{ code: number | null; stderr: string; stdout: string }>((r) =>
    child.on('exit', (code) => r({ code, stderr, stdout })),
  );
  return { child, port, exit };
}

/** A scratch project folder: its package.json makes it the embedded default's home. */
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-server-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{}\n');
  return dir;
};

describe('app config', () => {
  const base = { DATABASE_URL: 'sqlite::memory:' };
  test('defaults and validation name the variable', () => {
    const c = loadAppConfig({ ...base });
    assert.equal(c.port, 8000);
    assert.equal(c.bcryptCost, 12);
    assert.equal(c.jwtExpiresMinutes, 4000);
    const set = loadAppConfig({ ...base, BCRYPT_COST: '5', JWT_EXPIRES_MINUTES: '90' });
    assert.deepEqual([set.bcryptCost, set.jwtExpiresMinutes], [5, 90]);
    assert.ok(c.secretKey.length >= 32);
    const bad: [Record<string, string>, RegExp][] = [
      [{ PORT: 'eighty' }, /^PORT: /],
      [{ PORT: '70000' }, /^PORT: /],
      [{ SECRET_KEY: 'short' }, /^SECRET_KEY: must be at least 32/],
      [{ CORS_ORIGINS: '*' }, /^CORS_ORIGINS: /],
      [{ CORS_ORIGINS: 'not a url' }, /^CORS_ORIGINS: /],
      [{ MIGRATE_ON_START: 'maybe' }, /^MIGRATE_ON_START: /],
      [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
      [{ BCRYPT_COST: '3' }, /^BCRYPT_COST: /],
      [{ TRUST_PROXY: 'all' }, /^TRUST_PROXY: /],
      [{ REDIS_URL: 'redis://127.0.0.1:6379/abc' }, /^REDIS_URL: the path must be a database number/],
      [{ DATABASE_URL: 'mysql://u@h/db' }, /^SECRET_KEY: is not set; a MySQL database needs/],
      [{ DATABASE_URL: 'postgres://u@h/db' }, /^SECRET_KEY: is not set; a PostgreSQL database needs/],
    ];
    for (const [env, message] of bad) {
      assert.throws(
        () => loadAppConfig({ ...base, ...env }),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
        JSON.stringify(env),
      );
    }
    // TRUST_PROXY counts proxies: never "trust every X-Forwarded-For entry".
    assert.equal(c.trustProxy, 0);
    for (const [value, hops] of [
      ['1', 1],
      ['true', 1],
      ['2', 2],
      ['0', 0],
      ['no', 0],
    ] as const) {
      assert.equal(loadAppConfig({ ...base, TRUST_PROXY: value }).trustProxy, hops, value);
    }
    // API docs: on for the embedded default, off for a server database unless asked for.
    const server = { SECRET_KEY: SECRET };
    assert.equal(c.apiDocs, true);
    assert.equal(loadAppConfig({ ...server, DATABASE_URL: 'mysql://u@h/db' }).apiDocs, false);
    assert.equal(loadAppConfig({ ...server, DATABASE_URL: 'postgres://u@h/db' }).apiDocs, false);
    assert.equal(loadAppConfig({ ...server, DATABASE_URL: 'mysql://u@h/db', API_DOCS: '1' }).apiDocs, true);
    assert.equal(loadAppConfig({ ...base, API_DOCS: '0' }).apiDocs, false);
    assert.throws(
      () => loadAppConfig({ ...base, API_DOCS: 'sometimes' }),
      (e: unknown) => e instanceof ConfigError && /^API_DOCS: must be 1 or 0/.test(e.message),
    );
    assert.deepEqual(
      loadAppConfig({ ...base, CORS_ORIGINS: 'https://a.example, http://b.example:8080/' }).corsOrigins,
      ['https://a.example', 'http://b.example:8080'],
    );
  });
});

describe('npm start (dist/src/server.js)', () => {
  test('embedded SQLite: migrates to head itself, keeps a 0600 secret and a 0600 database, shuts down gracefully on SIGTERM', async () => {
    const cwd = tmp();
    // Killed at the end even when an assertion fails midway, so that a failure does not hang the run.
    const servers: Running[] = [];
    try {
      const s = start({}, cwd);
      servers.push(s);
      const port = await Promise.race([
        s.port,
        s.exit.then((e) => {
          throw new Error(`exited ${e.code}: ${e.stderr}${e.stdout}`);
        }),
      ]);
      const status: any = await (await fetch(`http://127.0.0.1:${port}/api/status`)).json();
      assert.deepEqual(status.database, { reachable: true, atHead: true });
      const key = path.join(cwd, 'data', 'secret.key');
      assert.equal(fs.statSync(key).mode & 0o777, 0o600);
      // The database holds password hashes: owner only, like the secret; SQLite gives its WAL
      // files the database file's mode.
      for (const name of ['expireeye.sqlite', 'expireeye.sqlite-wal', 'expireeye.sqlite-shm']) {
        assert.equal(fs.statSync(path.join(cwd, 'data', name)).mode & 0o777, 0o600, name);
      }
      const docs = await fetch(`http://127.0.0.1:${port}/docs`);
      assert.equal(docs.status, 200);
      // A request in flight when SIGTERM arrives still gets its answer. In flight for certain: the
      // server has read its headers (it answered `Expect: 100-continue`); its body is sent only
      // once the server says it is shutting down.
      const body = JSON.stringify({ name: 'A', email: 'a@example.com', password: 'secret1' });
      const inflight = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/auth/signup',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          expect: '100-continue',
        },
      });
      const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
        inflight.on('error', reject);
        inflight.on('response', async (response) => {
          let text = '';
          for await (const chunk of response) text += chunk;
          resolve({ status: response.statusCode ?? 0, text });
        });
      });
      inflight.flushHeaders();
      await once(inflight, 'continue');
      const shuttingDown = new Promise<void>((resolve) => {
        let out = '';
        s.child.stdout!.on('data', (d) => {
          out += d;
          if (/shutting down/.test(out)) resolve();
        });
      });
      s.child.kill('SIGTERM');
      await shuttingDown;
      inflight.end(body);
      const res = await answered;
      assert.equal(res.status, 200, res.text);
      const exit = await s.exit;
      assert.equal(exit.code, 0, exit.stderr);
      assert.match(exit.stdout, /shutting down/);
      // A restart reuses the secret: the token from before still works.
      const token = (JSON.parse(res.text) as { token: string }).token;
      const again = start({}, cwd);
      servers.push(again);
      const port2 = await again.port;
      const profile = await fetch(`http://127.0.0.1:${port2}/api/user/profile`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(profile.status, 200);
      again.child.kill('SIGTERM');
      assert.equal((await again.exit).code, 0);
    } finally {
      for (const r of servers) r.child.kill('SIGKILL');
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('MySQL: no SECRET_KEY → refuses with one line naming it', async () => {
    const cwd = tmp();
    try {
      const s = start({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/whatever' }, cwd);
      const exit = await s.exit;
      assert.equal(exit.code, 1);
      assert.equal(exit.stderr.trim().split('\n').length, 1, exit.stderr);
      assert.match(exit.stderr, /^expireeye: SECRET_KEY: is not set/);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('a NUTRITION_API_KEY pasted over two lines: refuses with one line naming it, without the key, before the database is made', async () => {
    const cwd = tmp();
    const s = start({ SECRET_KEY: SECRET, NUTRITION_API_KEY: 'SEKRET\nKEY' }, cwd);
    try {
      // Before the fix it started and listened (every USDA request then failed, quoting the key).
      const exit = await Promise.race([s.exit, s.port.then(() => assert.fail('the server started'))]);
      assert.equal(exit.code, 1);
      assert.equal(exit.stderr.trim().split('\n').length, 1, exit.stderr);
      assert.match(
        exit.stderr,
        /^expireeye: NUTRITION_API_KEY: character 7 cannot be sent in an HTTP header /,
      );
      assert.doesNotMatch(exit.stderr + exit.stdout, /SEKRET/);
      assert.equal(fs.existsSync(path.join(cwd, 'data')), false, 'the embedded database was not made');
    } finally {
      s.child.kill('SIGKILL');
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('a database folder that cannot be created: one line saying so, for the secret and for the database', async () => {
    const cwd = tmp();
    // The embedded default makes ./data; here it cannot (immutable even for root, who ignores
    // permission bits).
    execFileSync('chattr', ['+i', cwd]);
    try {
      const noSecret = await start({}, cwd).exit;
      assert.equal(noSecret.code, 1);
      assert.equal(noSecret.stderr.trim().split('\n').length, 1, noSecret.stderr);
      assert.match(
        noSecret.stderr,
        /^expireeye: SECRET_KEY: is not set and .*secret\.key cannot be written \(EPERM\)$/m,
      );
      const withSecret = await start({ SECRET_KEY: SECRET }, cwd).exit;
      assert.equal(withSecret.code, 1);
      assert.equal(withSecret.stderr.trim().split('\n').length, 1, withSecret.stderr);
      assert.match(withSecret.stderr, /^expireeye: cannot start: EPERM: operation not permitted, mkdir /m);
    } finally {
      execFileSync('chattr', ['-i', cwd]);
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('a DATABASE_URL whose folder does not exist: refused, not created (a mistyped path)', async () => {
    const cwd = tmp();
    try {
      const url = `sqlite:${path.join(cwd, 'no-such-folder', 'x.sqlite')}`;
      const noSecret = await start({ DATABASE_URL: url }, cwd).exit;
      assert.equal(noSecret.code, 1);
      assert.match(
        noSecret.stderr,
        /^expireeye: SECRET_KEY: is not set and .*secret\.key cannot be written \(ENOENT\)$/m,
      );
      const withSecret = await start({ DATABASE_URL: url, SECRET_KEY: SECRET }, cwd).exit;
      assert.equal(withSecret.code, 1);
      assert.equal(withSecret.stderr.trim().split('\n').length, 1, withSecret.stderr);
      assert.match(
        withSecret.stderr,
        /^expireeye: cannot start: unable to open database file .*: folder .*no-such-folder does not exist$/m,
      );
      assert.equal(fs.existsSync(path.join(cwd, 'no-such-folder')), false);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  // Each refuses with one line naming REDIS_URL and why, and never listens. The local Redis has 16
  // databases: SELECT 99 is refused (nothing is written to any database).
  const redis = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  // [what, REDIS_URL, the line, refused before the embedded default's data folder is made]
  const badRedis: [string, string, RegExp, boolean][] = [
    [
      'that cannot be reached',
      'redis://127.0.0.1:1',
      /^expireeye: cannot reach Redis \(REDIS_URL\): connect ECONNREFUSED 127\.0\.0\.1:1$/m,
      false,
    ],
    [
      'whose database the server refuses (not a fallback to database 0)',
      `${redis}/99`,
      /^expireeye: REDIS_URL: Redis refused database 99: ERR .+$/m,
      false,
    ],
    [
      'whose path is no database number (before anything is made or opened)',
      `${redis}/abc`,
      /^expireeye: REDIS_URL: the path must be a database number .+$/m,
      true,
    ],
  ];
  for (const [what, url, line, beforeAnything] of badRedis) {
    test(`REDIS_URL ${what}: refuses with one line naming it and why`, async () => {
      const cwd = tmp();
      try {
        const exit = await start({ REDIS_URL: url }, cwd).exit;
        assert.equal(exit.code, 1);
        assert.equal(exit.stderr.trim().split('\n').length, 1, exit.stderr);
        assert.match(exit.stderr, line);
        assert.doesNotMatch(exit.stdout, /Server listening/);
        if (beforeAnything) assert.equal(fs.existsSync(path.join(cwd, 'data')), false);
      } finally {
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    });
  }

  for (const dialect of ['mysql', 'postgres'] as const) {
    test(`${dialect} behind head: refuses and prints the upgrade command; MIGRATE_ON_START=1 migrates`, async () => {
      const cwd = tmp();
      const db = await scratchDatabase(dialect);
      try {
        const refused = await start({ DATABASE_URL: db.url, SECRET_KEY: SECRET }, cwd).exit;
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /^expireeye db upgrade head$/m);
        const s = start({ DATABASE_URL: db.url, SECRET_KEY: SECRET, MIGRATE_ON_START: '1' }, cwd);
        const port = await Promise.race([
          s.port,
          s.exit.then((e) => {
            throw new Error(`exited ${e.code}: ${e.stderr}${e.stdout}`);
          }),
        ]);
        const status: any = await (await fetch(`http://127.0.0.1:${port}/api/status`)).json();
        assert.deepEqual(status.database, { reachable: true, atHead: true });
        s.child.kill('SIGTERM');
        assert.equal((await s.exit).code, 0);
        // At head now: a plain start works without MIGRATE_ON_START.
        const plain = start({ DATABASE_URL: db.url, SECRET_KEY: SECRET }, cwd);
        await plain.port;
        plain.child.kill('SIGTERM');
        assert.equal((await plain.exit).code, 0);
      } finally {
        await db.drop();
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    });
  }
});
