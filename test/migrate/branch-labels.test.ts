import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as inspect from '../../src/migrate/commands/inspect.js';
import { revision } from '../../src/migrate/commands/revision.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import type { Environment } from '../../src/migrate/index.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { engine, scratchScripts } from '../support/engine.js';

/**
 * Independent branches (Alembic's multiple bases): `--head base --branch-label`, targets like
 * `label@head`, `--depends-on` across branches.
 */
describe('branch labels and dependencies', () => {
  let db: ScratchDatabase;
  const scripts = scratchScripts();
  const run = async <T>(fn: (env: Environment) => Promise<T>) => {
    const { env, output } = engine(db.url, scripts.dir);
    try {
      await fn(env);
      return output;
    } finally {
      await env.close();
    }
  };
  before(async () => {
    db = await scratchDatabase('sqlite');
  });
  after(async () => {
    await db.drop();
    scripts.cleanup();
  });

  test('two labelled roots, label@head targets and a cross-branch dependency', async () => {
    await run((env) =>
      revision(env, { message: 'core', head: 'base', branchLabel: ['core'], revId: 'c0e000000001' }),
    );
    await run((env) =>
      revision(env, { message: 'reports', head: 'base', branchLabel: ['reports'], revId: 'e0e000000001' }),
    );
    await run((env) => revision(env, { message: 'core 2', head: 'core@head', revId: 'c0e000000002' }));
    await run((env) =>
      revision(env, {
        message: 'reports 2',
        head: 'reports@head',
        dependsOn: ['c0e000000002'],
        revId: 'e0e000000002',
      }),
    );
    const heads = (await run((env) => inspect.heads(env))).stdoutText.split('\n').filter(Boolean).sort();
    assert.deepEqual(heads, ['c0e000000002 (core) (effective head)', 'e0e000000002 (reports) (head)']);

    // Upgrading the reports branch pulls in the core revision it depends on.
    const up = await run((env) => upgrade(env, 'reports@head'));
    const ran = [...up.stderrText.matchAll(/Running upgrade .* -> (\w+),/g)].map((m) => m[1]);
    assert.deepEqual(new Set(ran), new Set(['c0e000000001', 'c0e000000002', 'e0e000000001', 'e0e000000002']));
    assert.ok(ran.indexOf('c0e000000002') < ran.indexOf('e0e000000002'));

    // Downgrading core below the dependency takes the dependent reports revision down first.
    const down = await run((env) => downgrade(env, 'core@-1'));
    const reverted = [...down.stderrText.matchAll(/Running downgrade (\w+) ->/g)].map((m) => m[1]);
    assert.deepEqual(reverted, ['e0e000000002', 'c0e000000002']);
    const cur = (await run((env) => inspect.current(env))).stdoutText.split('\n').filter(Boolean).sort();
    assert.deepEqual(cur, ['c0e000000001', 'e0e000000001']);
  });
});
