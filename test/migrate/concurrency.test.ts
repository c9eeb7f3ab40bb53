import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { cli } from '../support/cli.js';
import { DIALECTS, scratchDatabase } from '../support/databases.js';
import { engine, scratchScripts, writeRevision } from '../support/engine.js';

/**
 * Several processes running `upgrade head` at once (say, three app containers starting together)
 * apply each revision exactly once: the migration lock serialises them and each plans only after
 * taking it.
 */
for (const dialect of DIALECTS) {
  describe(`concurrent upgrades on ${dialect}`, () => {
    test('three processes, one run of each revision', async () => {
      const db = await scratchDatabase(dialect);
      const scripts = scratchScripts();
      try {
        writeRevision(scripts.dir, {
          id: 'c0c000000000',
          message: 'runs table',
          upgrade: [
            "await op.createTable('runs', { columns: [{ name: 'rev', type: 'string(20)', nullable: false }], primaryKey: { name: 'pk_runs', columns: ['rev'] } });",
          ],
          downgrade: ["await op.dropTable('runs');"],
        });
        let parent = 'c0c000000000';
        for (let k = 1; k <= 5; k++) {
          const id = `c0c00000000${k}`;
          writeRevision(scripts.dir, {
            id,
            down: parent,
            message: `run ${k}`,
            // A plain INSERT: a second run of the same revision would fail on the primary key.
            upgrade: [`await op.execute(op.db.insertInto('runs').values({ rev: '${id}' }));`],
            downgrade: [`await op.execute(op.db.deleteFrom('runs').where('rev', '=', '${id}'));`],
          });
          parent = id;
        }
        const env = { DATABASE_URL: db.url, EXPIREEYE_SCRIPT_LOCATION: scripts.dir };
        const results = await Promise.all([1, 2, 3].map(() => cli(['db', 'upgrade', 'head'], env)));
        for (const r of results) assert.equal(r.code, 0, r.stderr);
        const runs = results.flatMap((r) =>
          [...r.stderr.matchAll(/Running upgrade .* -> (\w+),/g)].map((m) => m[1]),
        );
        assert.equal(runs.length, 6, 'each revision ran once across the three processes');
        assert.equal(new Set(runs).size, 6);
        const { env: e } = engine(db.url, scripts.dir);
        try {
          const conn = await e.db();
          const rows = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM runs`.execute(conn);
          assert.equal(Number(rows.rows[0]!.n), 5);
          assert.deepEqual(await e.currentHeads(conn), ['c0c000000005']);
        } finally {
          await e.close();
        }
      } finally {
        scripts.cleanup();
        await db.drop();
      }
    });
  });
}
