import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autogenerate } from '../../src/migrate/commands/autogenerate.js';
import { check } from '../../src/migrate/commands/check.js';
import { downgrade, upgrade } from '../../src/migrate/commands/upgrade.js';
import { introspector } from '../../src/migrate/introspect/index.js';
import { col, defineMetadata, defineTable } from '../../src/migrate/schema/index.js';
import { DIALECTS } from '../support/databases.js';
import { withScratchWorkspace } from '../support/engine.js';

/**
 * String defaults are read back as the models wrote them through each catalogue's quoting:
 * MariaDB's backslash escapes (which differ between VARCHAR and TEXT columns), PostgreSQL's and
 * SQLite's backslashes that mean themselves.
 */

/** Each value in a VARCHAR and a TEXT column's default; MariaDB escapes the two differently. */
const DEFAULTS: Record<string, string> = {
  quote: "it's",
  double_quote: 'say "hi"',
  backslash: 'a\\b',
  two_backslashes: 'a\\\\b',
  backslash_n: 'a\\nb', // a backslash and an n, not a newline
  backslash_quote: "a\\'b",
  newline: 'line1\nline2',
  tab: 'a\tb',
  carriage_return: 'a\r\nb',
  percent: '100%_x',
};
/** PostgreSQL refuses NUL in text. */
const MYSQL_DEFAULTS: Record<string, string> = { nul: 'a\0b', ctrl_z: 'a\x1ab' };

for (const dialect of DIALECTS) {
  test(`${dialect}: string defaults with quotes, backslashes and control characters read back as written`, () =>
    withScratchWorkspace(dialect, async (run) => {
      const values = { ...DEFAULTS, ...(dialect === 'mysql' ? MYSQL_DEFAULTS : {}) };
      const columns: Parameters<typeof defineTable>[1] = {};
      for (const [name, value] of Object.entries(values)) {
        columns[`v_${name}`] = col.string(40).nullable().default(value);
        columns[`t_${name}`] = col.text().nullable().default(value);
      }
      const v1 = defineMetadata([defineTable('defaults_probe', { id: col.integer().primaryKey() })]).schema();
      const v2 = defineMetadata([
        defineTable('defaults_probe', { id: col.integer().primaryKey(), ...columns }),
      ]).schema();
      await run(v1, (env) => autogenerate(env, { message: 'v1' }));
      await run(v1, (env) => upgrade(env, 'head'));
      await run(v2, (env) => autogenerate(env, { message: 'v2' }));
      await run(v2, (env) => upgrade(env, 'head'));

      const [t] = await run(v2, async (env) =>
        introspector(dialect).getTables(await env.db(), { tables: ['defaults_probe'] }),
      );
      const read = Object.fromEntries(t!.columns.map((c) => [c.name, c.default]));
      for (const [name, value] of Object.entries(values)) {
        assert.equal(read[`v_${name}`], value, `v_${name}`);
        assert.equal(read[`t_${name}`], value, `t_${name}`);
      }
      assert.equal(await run(v2, async (env) => (await check(env)).length), 0);
      // No phantom change to render, and a downgrade and upgrade give the same values again.
      assert.equal(await run(v2, (env) => autogenerate(env, { message: 'none' })), undefined);
      await run(v2, (env) => downgrade(env, '-1'));
      await run(v2, (env) => upgrade(env, 'head'));
      assert.equal(await run(v2, async (env) => (await check(env)).length), 0);
    }));
}
