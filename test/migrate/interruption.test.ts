import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { stamp } from '../../src/migrate/commands/upgrade.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { acquireLock, LockTimeoutError, releaseLock } from '../../src/migrate/runtime/lock.js';
import { cli, spawnCli } from '../support/cli.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { engine, scratchScripts, writeRevision } from '../support/engine.js';
import { eventually } from '../support/eventually.js';

const INT_ID = "{ name: 'id', type: 'integer', nullable: false }";

/**
 * Revision lines that, the first time only, write `file` (the test's cue that the revision is
 * running) and then sleep: on the server (MySQL, PostgreSQL), or in the process on SQLite, whose
 * statements cannot sleep — holding its write lock all the same.
 */
function readyThenSleep(file: string, seconds: number): string[] {
  return [
    '{',
    "  const fs = await import('node:fs');",
    `  if (!fs.existsSync(${JSON.stringify(file)})) {`,
    `    fs.writeFileSync(${JSON.stringify(file)}, '');`,
    `    if (op.dialect === 'mysql') await op.execute('SELECT SLEEP(${seconds})');`,
    `    else if (op.dialect === 'postgres') await op.execute('SELECT pg_sleep(${seconds})');`,
    `    else await new Promise((r) => setTimeout(r, ${seconds * 1000}));`,
    '  }',
    '}',
  ];
}

/** Resolves with `promise`, or rejects once `ms` pass. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function tableNames(conn: Kysely<any>, dialect: ScratchDatabase['dialect']): Promise<string[]> {
  const tables = await introspector(dialect).getTables(conn);
  return tables.map((t) => t.name).sort();
}

/**
 * A migration process that dies or is stopped part-way: what it leaves must be a database at a
 * revision boundary (on MySQL/MariaDB, a revision's completed DDL can stay without its version row
 * when the process is killed — README), the lock must pass on, and a rerun must finish.
 */
for (const dialect of DIALECTS) {
  describe(`interrupted migrations on ${dialect}`, () => {
    let db: ScratchDatabase;
    let scripts: ReturnType<typeof scratchScripts>;
    let cliEnv: Record<string, string>;
    beforeEach(async () => {
      db = await scratchDatabase(dialect);
      scripts = scratchScripts();
      cliEnv = { DATABASE_URL: db.url, EXPIREEYE_SCRIPT_LOCATION: scripts.dir };
    });
    afterEach(async () => {
      scripts.cleanup();
      await db.drop();
    });

    test('a process killed while holding the lock: the one waiting for it takes over promptly and applies each revision once', async () => {
      const ready = path.join(scripts.dir, 'ready');
      writeRevision(scripts.dir, {
        id: 'k00000000001',
        message: 'runs table',
        upgrade: [
          "await op.createTable('runs', { columns: [{ name: 'rev', type: 'string(20)', nullable: false }], primaryKey: { name: 'pk_runs', columns: ['rev'] } });",
        ],
      });
      for (const [id, down] of [
        ['k00000000002', 'k00000000001'],
        ['k00000000003', 'k00000000002'],
      ] as const) {
        writeRevision(scripts.dir, {
          id,
          down,
          // The first run of k…2 is killed in its long statement (a data migration, say).
          upgrade: [
            ...(id === 'k00000000002' ? readyThenSleep(ready, 60) : []),
            `await op.execute(op.db.insertInto('runs').values({ rev: '${id}' }));`,
          ],
        });
      }
      const first = spawnCli(['db', 'upgrade', 'head'], cliEnv);
      assert.ok(await eventually(() => fs.existsSync(ready), 20_000), 'the first run reaches k…2');
      const second = spawnCli(['db', 'upgrade', 'head'], cliEnv);
      // Longer than SQLite's busy timeout (10 s), which used to fail the waiting run.
      await new Promise((r) => setTimeout(r, dialect === 'sqlite' ? 11_000 : 1_000));
      first.child.kill('SIGKILL');
      await first.result;
      // PostgreSQL used to go on with the dead run's pg_sleep(60), holding the lock, for a minute.
      const r = await within(second.result, 20_000, 'the waiting run').catch((e) => {
        second.child.kill('SIGKILL');
        throw e;
      });
      assert.equal(r.code, 0, r.stderr);
      const { env } = engine(db.url, scripts.dir);
      try {
        const conn = await env.db();
        assert.deepEqual(await env.currentHeads(conn), ['k00000000003']);
        const runs = await sql<{ rev: string }>`SELECT rev FROM runs ORDER BY rev`.execute(conn);
        assert.deepEqual(
          runs.rows.map((row) => row.rev),
          ['k00000000002', 'k00000000003'],
        );
      } finally {
        await env.close();
      }
    });

    test('runs on two databases of one server do not wait for each other (a dead run cannot hold up another database)', async () => {
      const ready = path.join(scripts.dir, 'ready');
      writeRevision(scripts.dir, { id: 'd00000000001', upgrade: readyThenSleep(ready, 60) });
      const other = await scratchDatabase(dialect);
      const first = spawnCli(['db', 'upgrade', 'head'], cliEnv);
      try {
        assert.ok(await eventually(() => fs.existsSync(ready), 20_000), 'the first run sleeps');
        const env = { ...cliEnv, DATABASE_URL: other.url };
        // MySQL's GET_LOCK names are server-wide: the lock of another database used to be waited for.
        const r = await within(cli(['db', 'upgrade', 'head'], env), 15_000, 'the run on the other database');
        assert.equal(r.code, 0, r.stderr);
      } finally {
        first.child.kill('SIGKILL');
        await first.result;
        await other.drop();
      }
    });

    test('Ctrl-C (SIGINT) or SIGTERM: the revision in progress completes, the run stops there with a message and exit 128+n, the lock is released', async () => {
      const upReady = path.join(scripts.dir, 'up-ready');
      const downReady = path.join(scripts.dir, 'down-ready');
      writeRevision(scripts.dir, {
        id: 'i00000000001',
        upgrade: [`await op.createTable('t1', { columns: [${INT_ID}] });`],
        downgrade: ["await op.dropTable('t1');"],
      });
      // Its sleep splits it in two requests on MySQL: killed in between, it stayed half applied.
      writeRevision(scripts.dir, {
        id: 'i00000000002',
        down: 'i00000000001',
        upgrade: [...readyThenSleep(upReady, 2), `await op.createTable('t2', { columns: [${INT_ID}] });`],
        downgrade: [...readyThenSleep(downReady, 2), "await op.dropTable('t2');"],
      });
      writeRevision(scripts.dir, {
        id: 'i00000000003',
        down: 'i00000000002',
        upgrade: [`await op.createTable('t3', { columns: [${INT_ID}] });`],
        downgrade: ["await op.dropTable('t3');"],
      });
      const { env } = engine(db.url, scripts.dir);
      try {
        const stopped = async (command: string, target: string, signal: NodeJS.Signals, ready: string) => {
          const run = spawnCli(['db', command, target], cliEnv);
          assert.ok(await eventually(() => fs.existsSync(ready), 20_000), `${command} reaches i…2`);
          run.child.kill(signal);
          return within(run.result, 20_000, `${command} after ${signal}`);
        };

        const up = await stopped('upgrade', 'head', 'SIGINT', upReady);
        assert.equal(up.code, 130, up.stderr);
        assert.match(up.stderr, /WARN {2}\[expireeye\.runtime\.migration\] SIGINT received: stopping once/);
        assert.match(
          up.stderr,
          /ERROR \[expireeye\.runtime\.migration\] Interrupted by SIGINT: stopped before running upgrade i00000000002 -> i00000000003/,
        );
        const conn = await env.db();
        assert.deepEqual(await env.currentHeads(conn), ['i00000000002']);
        assert.deepEqual(await tableNames(conn, dialect), ['alembic_version', 't1', 't2']);
        const rerun = await within(cli(['db', 'upgrade', 'head'], cliEnv), 20_000, 'the rerun');
        assert.equal(rerun.code, 0, rerun.stderr);
        assert.deepEqual(await env.currentHeads(conn), ['i00000000003']);

        const down = await stopped('downgrade', 'base', 'SIGTERM', downReady);
        assert.equal(down.code, 143, down.stderr);
        assert.match(
          down.stderr,
          /Interrupted by SIGTERM: stopped before running downgrade i00000000001 -> /,
        );
        assert.deepEqual(await env.currentHeads(conn), ['i00000000001']);
        assert.deepEqual(await tableNames(conn, dialect), ['alembic_version', 't1']);
        const again = await within(cli(['db', 'downgrade', 'base'], cliEnv), 20_000, 'the rerun');
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(await env.currentHeads(conn), []);
      } finally {
        await env.close();
      }
    });

    test('Ctrl-C while a revision keeps the process busy with many statements: still heard, the run stops after it', async () => {
      const ready = path.join(scripts.dir, 'busy-ready');
      writeRevision(scripts.dir, {
        id: 'b00000000001',
        upgrade: [
          `await op.createTable('busy', { columns: [${INT_ID}] });`,
          "const fs = await import('node:fs');",
          `fs.writeFileSync(${JSON.stringify(ready)}, '');`,
          // On SQLite each statement runs synchronously in this process: no timer, no I/O to wait for.
          'const until = Date.now() + 2000;',
          "for (let i = 0; Date.now() < until; i++) await op.execute('INSERT INTO busy (id) VALUES (' + i + ')');",
        ],
      });
      writeRevision(scripts.dir, {
        id: 'b00000000002',
        down: 'b00000000001',
        upgrade: [`await op.createTable('after_busy', { columns: [${INT_ID}] });`],
      });
      const run = spawnCli(['db', 'upgrade', 'head'], cliEnv);
      assert.ok(await eventually(() => fs.existsSync(ready), 20_000), 'the busy revision runs');
      run.child.kill('SIGINT');
      const r = await within(run.result, 20_000, 'upgrade after SIGINT');
      assert.equal(r.code, 130, r.stderr);
      assert.match(
        r.stderr,
        /Interrupted by SIGINT: stopped before running upgrade b00000000001 -> b00000000002/,
      );
      const { env } = engine(db.url, scripts.dir);
      try {
        const conn = await env.db();
        assert.deepEqual(await env.currentHeads(conn), ['b00000000001']);
        assert.deepEqual(await tableNames(conn, dialect), ['alembic_version', 'busy']);
      } finally {
        await env.close();
      }
    });

    if (dialect !== 'sqlite') {
      test('the connection killed mid-revision: one ERROR line naming the revision and statement, exit 1; a rerun finishes', async () => {
        const ready = path.join(scripts.dir, 'kill-ready');
        writeRevision(scripts.dir, {
          id: 'k00000000001',
          upgrade: [`await op.createTable('k1', { columns: [${INT_ID}] });`],
        });
        writeRevision(scripts.dir, {
          id: 'k00000000002',
          down: 'k00000000001',
          upgrade: [...readyThenSleep(ready, 30), `await op.createTable('k2', { columns: [${INT_ID}] });`],
        });
        const { env } = engine(db.url, scripts.dir);
        try {
          const conn = await env.db();
          const run = spawnCli(['db', 'upgrade', 'head'], cliEnv);
          assert.ok(await eventually(() => fs.existsSync(ready), 20_000), 'the sleeping revision runs');
          const killed = async () => {
            if (dialect === 'postgres') {
              const { rows } = await sql<{ n: number }>`SELECT COUNT(pg_terminate_backend(pid)) AS n
                FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep%'`.execute(
                conn,
              );
              return Number(rows[0]?.n) > 0;
            }
            const { rows } = await sql<{ id: number }>`SELECT id FROM information_schema.processlist
              WHERE db = DATABASE() AND info LIKE 'SELECT SLEEP%'`.execute(conn);
            for (const { id } of rows) await sql.raw(`KILL ${Number(id)}`).execute(conn);
            return rows.length > 0;
          };
          assert.ok(await eventually(killed, 10_000), 'the statement is found and its connection killed');
          const r = await within(run.result, 20_000, 'upgrade after the kill');
          assert.equal(r.code, 1, r.stderr);
          assert.doesNotMatch(r.stderr, /\n\s+at |node:events/);
          assert.match(
            r.stderr,
            /ERROR \[expireeye\.runtime\.migration\] Upgrade of revision k00000000002 failed: .*\n.*SELECT (SLEEP|pg_sleep)/i,
          );
          assert.deepEqual(await env.currentHeads(conn), ['k00000000001']);
          fs.rmSync(ready);
          fs.writeFileSync(ready, ''); // the rerun does not sleep
          const rerun = await within(cli(['db', 'upgrade', 'head'], cliEnv), 20_000, 'the rerun');
          assert.equal(rerun.code, 0, rerun.stderr);
          assert.deepEqual(await env.currentHeads(conn), ['k00000000002']);
        } finally {
          await env.close();
        }
      });

      test('waiting for the migration lock is bounded: a holder that never finishes makes the wait time out', {
        timeout: 30_000,
      }, async () => {
        const { env } = engine(db.url, scripts.dir);
        const other = engine(db.url, scripts.dir).env;
        try {
          const holder = await env.db();
          const waiter = await other.db();
          await holder.connection().execute(async (h) => {
            if (dialect === 'postgres') await sql`SET lock_timeout = '7s'`.execute(h);
            await acquireLock(h, dialect, 'ee_lock_test');
            if (dialect === 'postgres') {
              const { rows } = await sql<{ lock_timeout: string }>`SHOW lock_timeout`.execute(h);
              assert.equal(rows[0]?.lock_timeout, '7s', "the session's own setting is kept");
            }
            try {
              await waiter.connection().execute(async (w) => {
                // The holder never lets go: only the 1 s bound can end this wait (the test's own
                // timeout would otherwise), and it ends with the lock's own error, not another's.
                await assert.rejects(acquireLock(w, dialect, 'ee_lock_test', 1), LockTimeoutError);
                // The session is left with its own lock_timeout for the revisions.
                if (dialect === 'postgres') {
                  const { rows } = await sql<{ lock_timeout: string }>`SHOW lock_timeout`.execute(w);
                  assert.equal(rows[0]?.lock_timeout, '0');
                }
              });
            } finally {
              await releaseLock(h, dialect, 'ee_lock_test');
            }
          });
        } finally {
          await env.close();
          await other.close();
        }
      });
    }

    test('stamp --purge to an unknown revision leaves the version table as it was', async () => {
      writeRevision(scripts.dir, { id: 'p00000000001' });
      const { env } = engine(db.url, scripts.dir);
      try {
        await stamp(env, 'p00000000001');
        await assert.rejects(
          stamp(env, 'zzzz', { purge: true }),
          /Can't locate revision identified by 'zzzz'/,
        );
        assert.deepEqual(await env.currentHeads(), ['p00000000001']);
      } finally {
        await env.close();
      }
    });

    // SQLite's stamp runs under its write lock in one transaction: nothing can hold it between rows.
    if (dialect !== 'sqlite') {
      test('stamp --purge killed between the purge and the new row: the old row stays', async () => {
        writeRevision(scripts.dir, { id: 'p00000000001' });
        writeRevision(scripts.dir, { id: 'p00000000002', down: 'p00000000001' });
        const { env } = engine(db.url, scripts.dir);
        try {
          await stamp(env, 'p00000000001');
          const conn = await env.db();
          await conn.connection().execute(async (tx) => {
            // The test's own uncommitted row makes the stamp's INSERT wait, after its purge ran.
            await sql`BEGIN`.execute(tx);
            await sql`INSERT INTO alembic_version (version_num) VALUES ('p00000000002')`.execute(tx);
            const run = spawnCli(['db', 'stamp', '--purge', 'p00000000002'], cliEnv);
            assert.ok(await eventually(() => waitingForRowLock(conn, dialect), 10_000), 'the stamp waits');
            run.child.kill('SIGKILL');
            await run.result;
            // Seen from another connection: the committed rows.
            assert.deepEqual(await env.currentHeads(conn), ['p00000000001']);
            await sql`ROLLBACK`.execute(tx);
          });
          assert.deepEqual(await env.currentHeads(conn), ['p00000000001']);
        } finally {
          await env.close();
        }
      });
    }
  });
}

/**
 * Whether a session of this database waits for a row lock. MySQL: an INSERT still running (only
 * the test's row can hold it up); InnoDB's lock views are a cache that polling keeps stale.
 */
async function waitingForRowLock(conn: Kysely<any>, dialect: ScratchDatabase['dialect']): Promise<boolean> {
  const query =
    dialect === 'postgres'
      ? sql<{ n: number }>`SELECT COUNT(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`
      : sql<{ n: number }>`SELECT COUNT(*) AS n FROM information_schema.processlist
          WHERE db = DATABASE() AND info LIKE 'insert into%'`;
  const { rows } = await query.execute(conn);
  return Number(rows[0]?.n) > 0;
}
