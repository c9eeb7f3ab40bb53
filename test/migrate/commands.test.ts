import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CommandError } from '../../src/migrate/commands/errors.js';
import * as inspect from '../../src/migrate/commands/inspect.js';
import { merge, revision } from '../../src/migrate/commands/revision.js';
import { downgrade, stamp, upgrade } from '../../src/migrate/commands/upgrade.js';
import type { Environment } from '../../src/migrate/index.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { engine, scratchScripts, writeRevision } from '../support/engine.js';

/**
 * Every migration command against a real database of each dialect, on a history that grows a
 * branch and a merge, checked against what Alembic does (../shared/reference/alembic-behaviour.md).
 */
for (const dialect of DIALECTS) {
  describe(`commands on ${dialect}`, () => {
    let db: ScratchDatabase;
    const scripts = scratchScripts();

    /** Runs one command in a fresh environment, as the CLI would, and returns its output. */
    async function run<T>(fn: (env: Environment) => Promise<T>) {
      const { env, output } = engine(db.url, scripts.dir);
      try {
        const result = await fn(env);
        return { result, out: output.stdoutText, err: output.stderrText };
      } finally {
        await env.close();
      }
    }
    const tables = async () => {
      const { env } = engine(db.url, scripts.dir);
      try {
        const t = await introspector(dialect).getTables(await env.db());
        return t.map((x) => x.name).sort();
      } finally {
        await env.close();
      }
    };
    const fails = async (fn: (env: Environment) => Promise<unknown>, message: string) => {
      await assert.rejects(
        run(fn),
        (e: unknown) => e instanceof CommandError && e.message === message,
        `expected CommandError: ${message}`,
      );
    };

    before(async () => {
      db = await scratchDatabase(dialect);
    });
    after(async () => {
      await db.drop();
      scripts.cleanup();
    });

    test('empty history: current prints nothing and creates no version table; upgrade head is a no-op', async () => {
      const cur = await run((env) => inspect.current(env));
      assert.equal(cur.out, '');
      assert.match(cur.err, /Context impl \w+Impl\.\n.*Will assume (non-)?transactional DDL\./);
      assert.deepEqual(await tables(), []);
      assert.deepEqual((await run((env) => upgrade(env, 'head'))).result, []);
      assert.equal((await run((env) => inspect.history(env))).out, '');
    });

    test('revision writes a file; upgrade/current/history/heads follow it', async () => {
      writeRevision(scripts.dir, {
        id: '521309cc5b4e',
        message: 'initial',
        upgrade: [
          "await op.createTable('users', { columns: [{ name: 'id', type: 'integer', nullable: false }, { name: 'status', type: 'string(20)', nullable: true }], primaryKey: { name: 'pk_users', columns: ['id'] } });",
        ],
        downgrade: ["await op.dropTable('users');"],
      });
      const made = await run((env) => revision(env, { message: 'add display_name', revId: '6e112f8a28d6' }));
      assert.match(made.out, /^Generating .*6e112f8a28d6_add_display_name\.ts \.\.\. {2}done\n$/);
      // Give the empty revision a body, as a developer would.
      writeRevision(scripts.dir, {
        id: '6e112f8a28d6',
        down: '521309cc5b4e',
        message: 'add display_name',
        upgrade: [
          "await op.addColumn('users', { name: 'display_name', type: 'string(100)', nullable: true });",
        ],
        downgrade: ["await op.dropColumn('users', 'display_name');"],
      });
      const up = await run((env) => upgrade(env, 'head'));
      assert.match(up.err, /Running upgrade {2}-> 521309cc5b4e, initial\n/);
      assert.match(up.err, /Running upgrade 521309cc5b4e -> 6e112f8a28d6, add display_name\n/);
      assert.equal((await run((env) => inspect.current(env))).out, '6e112f8a28d6 (head)\n');
      assert.equal(
        (await run((env) => inspect.history(env))).out,
        '521309cc5b4e -> 6e112f8a28d6 (head), add display_name\n<base> -> 521309cc5b4e, initial\n',
      );
      assert.equal((await run((env) => inspect.heads(env))).out, '6e112f8a28d6 (head)\n');
      const verbose = (await run((env) => inspect.current(env, { verbose: true }))).out;
      assert.match(
        verbose,
        /^Current revision\(s\) for \w+:.*:\nRev: 6e112f8a28d6 \(head\)\nParent: 521309cc5b4e\nPath: /,
      );
      assert.match(verbose, /\n {4}add display_name\n {4}\n {4}Revision ID: 6e112f8a28d6\n/);
      assert.deepEqual(await tables(), ['alembic_version', 'users']);
    });

    test('relative and absolute downgrade/upgrade, prefixes, and errors past either end', async () => {
      const down = await run((env) => downgrade(env, '-1'));
      assert.match(down.err, /Running downgrade 6e112f8a28d6 -> 521309cc5b4e, add display_name\n/);
      assert.equal((await run((env) => inspect.current(env))).out, '521309cc5b4e\n');
      await fails((env) => upgrade(env, 'xyz'), "Can't locate revision identified by 'xyz'");
      await run((env) => upgrade(env, '+1'));
      await fails((env) => upgrade(env, '+1'), "Relative revision +1 didn't produce 1 migrations");
      const base = await run((env) => downgrade(env, 'base'));
      assert.match(base.err, /Running downgrade 521309cc5b4e -> , initial\n/);
      assert.equal((await run((env) => inspect.current(env))).out, '');
      assert.deepEqual(await tables(), ['alembic_version']);
      await fails((env) => downgrade(env, '-1'), "Relative revision -1 didn't produce 1 migrations");
      await run((env) => upgrade(env, '521')); // a unique prefix
      assert.equal((await run((env) => inspect.current(env))).out, '521309cc5b4e\n');
      await run((env) => upgrade(env, '6e112f8a28d6'));
      assert.equal((await run((env) => inspect.current(env))).out, '6e112f8a28d6 (head)\n');
    });

    test('stamp moves the version without running code', async () => {
      const s = await run((env) => stamp(env, 'base'));
      assert.match(s.err, /Running stamp_revision 6e112f8a28d6 -> \n/);
      assert.equal((await run((env) => inspect.current(env))).out, '');
      assert.ok((await tables()).includes('users'), 'stamp must not run downgrade()');
      await run((env) => stamp(env, 'head'));
      assert.equal((await run((env) => inspect.current(env))).out, '6e112f8a28d6 (head)\n');
      const offline = await run((env) => stamp(env, 'head', { sql: true }));
      assert.match(offline.err, /Running stamp_revision {2}-> 6e112f8a28d6\n/);
      assert.match(
        offline.out,
        /-- Running stamp_revision {2}-> 6e112f8a28d6\n\ninsert into .alembic_version. /,
      );
    });

    test('ambiguous prefixes; --head without --splice; two heads; branches; merge; upgrade heads', async () => {
      writeRevision(scripts.dir, { id: 'abcd1111aaaa', down: '6e112f8a28d6', message: 'third' });
      writeRevision(scripts.dir, { id: 'abcd2222bbbb', down: 'abcd1111aaaa', message: 'fourth' });
      await fails((env) => upgrade(env, 'abcd'), "Can't locate revision identified by 'abcd'");
      await fails((env) => inspect.show(env, 'abcd'), "Can't locate revision identified by 'abcd'");
      await run((env) => upgrade(env, 'abcd1'));
      assert.equal((await run((env) => inspect.current(env))).out, 'abcd1111aaaa\n');
      await run((env) => revision(env, { message: 'feature a', revId: '4b0cc052b1d7' }));
      await fails(
        (env) => revision(env, { message: 'feature b', head: 'abcd2222bbbb' }),
        'Revision abcd2222bbbb is not a head revision; please specify --splice to create a new branch from this revision',
      );
      await run((env) =>
        revision(env, { message: 'feature b', head: 'abcd2222bbbb', splice: true, revId: '4dc7cae0efa7' }),
      );
      await fails(
        (env) => revision(env, { message: 'third head?' }),
        'Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge.',
      );
      await fails(
        (env) => upgrade(env, 'head'),
        "Multiple head revisions are present for given argument 'head'; please specify a specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads",
      );
      const heads = (await run((env) => inspect.heads(env))).out.split('\n').filter(Boolean).sort();
      assert.deepEqual(heads, ['4b0cc052b1d7 (head)', '4dc7cae0efa7 (head)']);
      const br = (await run((env) => inspect.branches(env))).out;
      assert.match(br, /^abcd2222bbbb \(branchpoint\)\n {13}-> 4\w+ \(head\)\n {13}-> 4\w+ \(head\)\n\n$/);
      assert.match(
        (await run((env) => inspect.history(env))).out,
        /abcd1111aaaa -> abcd2222bbbb \(branchpoint\), fourth\n/,
      );

      const merged = await run((env) => merge(env, ['heads'], { message: 'merge', revId: 'c90d49cadc6e' }));
      assert.match(merged.out, /c90d49cadc6e_merge\.ts \.\.\. {2}done/);
      assert.equal((await run((env) => inspect.heads(env))).out, 'c90d49cadc6e (head)\n');
      assert.match(
        (await run((env) => inspect.history(env))).out,
        /^4\w{11}, 4\w{11} -> c90d49cadc6e \(head\) \(mergepoint\), merge\n/,
      );
      const up = await run((env) => upgrade(env, 'heads'));
      const ran = [...up.err.matchAll(/Running upgrade (.*)\n/g)].map((m) => m[1]);
      assert.equal(ran.length, 4);
      assert.equal(ran[0], 'abcd1111aaaa -> abcd2222bbbb, fourth');
      assert.match(ran[3]!, /^4\w{11}, 4\w{11} -> c90d49cadc6e, merge$/);
      assert.equal((await run((env) => inspect.current(env))).out, 'c90d49cadc6e (head) (mergepoint)\n');
      const hist = (await run((env) => inspect.history(env, { indicateCurrent: true }))).out;
      assert.match(hist, /-> c90d49cadc6e \(head\) \(current\) \(mergepoint\), merge\n/);
    });

    test('downgrading across a merge: ambiguous walk, then two heads in the version table', async () => {
      await fails((env) => downgrade(env, '-1'), 'Ambiguous walk');
      const d = await run((env) => downgrade(env, '4b0cc052b1d7'));
      assert.match(d.err, /Running downgrade c90d49cadc6e -> 4\w{11}, 4\w{11}, merge\n/);
      const cur = (await run((env) => inspect.current(env))).out.split('\n').filter(Boolean).sort();
      assert.deepEqual(cur, ['4b0cc052b1d7', '4dc7cae0efa7']);
      await run((env) => upgrade(env, 'head'));
      const all = await run((env) => downgrade(env, 'base'));
      assert.equal([...all.err.matchAll(/Running downgrade/g)].length, 7);
      assert.equal((await run((env) => inspect.current(env))).out, '');
    });

    test("downgrade -1 from two heads: Alembic's warning, then the first row's branch goes down", async () => {
      await run((env) => upgrade(env, '4b0cc052b1d7'));
      await run((env) => upgrade(env, '4dc7cae0efa7'));
      const rows = (await run((env) => env.currentHeads())).result;
      assert.deepEqual([...rows].sort(), ['4b0cc052b1d7', '4dc7cae0efa7']);
      const d = await run((env) => downgrade(env, '-1'));
      const warning =
        'WARN  [expireeye.script.revision] downgrade -1 from multiple heads is ambiguous; this usage will be disallowed in a future release.\n';
      const ran = [...d.err.matchAll(/Running downgrade (.*)\n/g)].map((m) => m[1]);
      assert.deepEqual(ran, [
        `${rows[0]} -> abcd2222bbbb, feature ${rows[0] === '4b0cc052b1d7' ? 'a' : 'b'}`,
      ]);
      assert.ok(d.err.includes(warning) && d.err.indexOf(warning) < d.err.indexOf('Running'), d.err);
      assert.equal((await run((env) => inspect.current(env))).out, `${rows[1]}\n`);
      // From the one head left, -1 is not ambiguous.
      const single = await run((env) => downgrade(env, '-1'));
      assert.doesNotMatch(single.err, /WARN/);
      assert.match(single.err, /Running downgrade \w+ -> abcd2222bbbb, feature [ab]\n/);
      await run((env) => downgrade(env, 'base'));
    });

    test('a database stamped with an unknown revision: errors, and stamp --purge recovers', async () => {
      await run((env) => stamp(env, 'head'));
      const { env } = engine(db.url, scripts.dir);
      const conn = await env.db();
      await env.applyVersionChanges(conn, [{ kind: 'update', from: 'c90d49cadc6e', to: 'f00000000001' }]);
      await env.close();
      const msg = "Can't locate revision identified by 'f00000000001'";
      await fails((env2) => inspect.current(env2), msg);
      await fails((env2) => upgrade(env2, 'head'), msg);
      await fails((env2) => stamp(env2, 'head'), msg);
      await run((env2) => stamp(env2, 'head', { purge: true }));
      assert.equal((await run((env2) => inspect.current(env2))).out, 'c90d49cadc6e (head) (mergepoint)\n');
    });
  });
}
