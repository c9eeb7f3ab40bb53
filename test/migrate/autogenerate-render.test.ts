import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { compareSchemas } from '../../src/migrate/autogenerate/compare.js';
import { describeOp } from '../../src/migrate/autogenerate/describe.js';
import { type DiffOp, reverseOps } from '../../src/migrate/autogenerate/diff-ops.js';
import { renderOps } from '../../src/migrate/autogenerate/render.js';
import { flat, printCall, quote } from '../../src/migrate/autogenerate/ts-literal.js';
import { classifyTypeChange, renameHints, warningsFor } from '../../src/migrate/autogenerate/warnings.js';
import type { DialectName, SchemaDef, TableDef } from '../../src/migrate/index.js';
import { typeLabel } from '../../src/migrate/schema/dialect-type.js';
import { renderRevisionFile } from '../../src/migrate/script/revision-file.js';

/**
 * The comparator and the renderer on plain data, no database: Alembic's ordering, the inverse
 * downgrade, per-dialect corrections, warnings, and output that Biome accepts as written.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

const t = (name: string, extra: Partial<TableDef> = {}): TableDef => ({
  name,
  columns: [{ name: 'id', type: 'integer', nullable: false }],
  primaryKey: { name: `pk_${name}`, columns: ['id'] },
  uniqueConstraints: [],
  foreignKeys: [],
  checks: [],
  indexes: [],
  ...extra,
});
const ref = (table: string, column: string, target: string, onDelete?: 'cascade') => ({
  name: `fk_${table}_${column}_${target}`,
  columns: [column],
  references: { table: target, columns: ['id'] },
  ...(onDelete ? { onDelete } : {}),
});
const withFk = (name: string, ...targets: string[]) =>
  t(name, {
    columns: [
      { name: 'id', type: 'integer', nullable: false },
      ...targets.map((x) => ({ name: `${x}_id`, type: 'integer' as const, nullable: false })),
    ],
    foreignKeys: targets.map((x) => ref(name, `${x}_id`, x)),
  });
const compare = (target: TableDef[], db: TableDef[], dialect: DialectName = 'postgres') =>
  compareSchemas({ tables: target }, db, { dialect, versionTable: 'alembic_version' });
const kinds = (ops: DiffOp[]) =>
  ops.map(
    (o) =>
      `${o.kind} ${o.kind.endsWith('table') ? (o as { table: TableDef }).table.name : (o as { table: string }).table}`,
  );

describe('compare: order', () => {
  test('new tables are created referenced-first, layer by layer, names sorted within a layer', () => {
    // Alembic's initial revision order: products, users, then notifications, nutrition, scan_logs, user_products.
    const r = compare(
      [
        withFk('user_products', 'users', 'products'),
        withFk('users'),
        withFk('notifications', 'users'),
        withFk('products'),
        withFk('nutrition', 'products'),
        withFk('scan_logs', 'users', 'products'),
      ],
      [],
    );
    assert.deepEqual(
      r.ops.map((o) => (o as { table: TableDef }).table.name),
      ['products', 'users', 'notifications', 'nutrition', 'scan_logs', 'user_products'],
    );
    assert.deepEqual(
      r.detected,
      r.ops.map((o) => `Detected added table '${(o as { table: TableDef }).table.name}'`),
    );
  });

  test('a reference cycle among new tables: created without the closing key, which is added after', () => {
    const r = compare([withFk('a', 'b'), withFk('b', 'a')], []);
    assert.deepEqual(kinds(r.ops), ['add_table a', 'add_table b', 'add_fk a']);
    assert.equal((r.ops[0] as { table: TableDef }).table.foreignKeys!.length, 0);
    // The downgrade undoes it in reverse: the key first, then the tables, referencing ones first.
    assert.deepEqual(kinds(reverseOps(r.ops)), ['remove_fk a', 'remove_table b', 'remove_table a']);
  });

  test('removed tables come last, referencing tables first; the version table is never reported', () => {
    const db = [withFk('lists'), withFk('list_items', 'lists'), t('alembic_version'), t('sqlite_sequence')];
    const r = compare([], db);
    assert.deepEqual(kinds(r.ops), ['remove_table list_items', 'remove_table lists']);
  });

  test('per table, in name order: added columns, removed FKs, altered columns, indexes, added FKs, checks, removed columns', () => {
    const db = [
      t('b', {
        columns: [
          { name: 'id', type: 'integer', nullable: false },
          { name: 'old', type: 'string(10)', nullable: true },
          { name: 'n', type: 'string(10)', nullable: true },
          { name: 'a_id', type: 'integer', nullable: true },
        ],
        foreignKeys: [ref('b', 'a_id', 'a')],
        indexes: [{ name: 'ix_b_old', columns: ['old'], unique: false }],
        checks: [{ name: 'ck_b_old', expr: "old <> ''" }],
      }),
      t('a'),
    ];
    const model = [
      t('b', {
        columns: [
          { name: 'id', type: 'integer', nullable: false },
          { name: 'n', type: 'string(20)', nullable: true },
          { name: 'a_id', type: 'integer', nullable: true },
          { name: 'new', type: 'integer', nullable: true },
        ],
        foreignKeys: [ref('b', 'a_id', 'a', 'cascade')],
        indexes: [{ name: 'ix_b_new', columns: ['new'], unique: false }],
        checks: [{ name: 'ck_b_new', expr: 'new > 0' }],
      }),
      t('a', {
        columns: [...t('a').columns, { name: 'x', type: 'boolean', nullable: false, default: false }],
      }),
    ];
    const r = compare(model, db);
    assert.deepEqual(
      r.ops.map((o) => o.kind),
      [
        'add_column', // a.x
        'add_column', // b.new
        'remove_fk',
        'alter_column',
        'add_index',
        'remove_index',
        'add_fk',
        'remove_check',
        'add_check',
        'remove_column',
      ],
    );
    assert.deepEqual(r.detected, [
      "Detected added column 'a.x'",
      "Detected added column 'b.new'",
      'Detected removed foreign key (a_id)(id) on table b',
      "Detected type change from string(10) to string(20) on 'b.n'",
      "Detected added index 'ix_b_new' on '['new']'",
      "Detected removed index 'ix_b_old' on 'b'",
      'Detected added foreign key (a_id)(id) on table b',
      "Detected removed check constraint 'ck_b_old' on 'b'",
      "Detected added check constraint 'ck_b_new' on 'b'",
      "Detected removed column 'b.old'",
    ]);
  });

  test("a key waits for the column another table's section adds; a key goes before its column is dropped", () => {
    const col = (name: string) => ({ name, type: 'string(10)' as const, nullable: true });
    const fkTo = (table: string, target: string) => ({
      name: `fk_${table}_code_${target}`,
      columns: ['code'],
      references: { table: target, columns: ['code'] },
    });
    // a (sorted first) gains a key to b.code, which b's section adds with its unique constraint.
    const added = compare(
      [
        t('a', { columns: [...t('a').columns, col('code')], foreignKeys: [fkTo('a', 'b')] }),
        t('b', {
          columns: [...t('b').columns, col('code')],
          uniqueConstraints: [{ name: 'uq_b_code', columns: ['code'] }],
        }),
      ],
      [t('a', { columns: [...t('a').columns, col('code')] }), t('b')],
    );
    assert.deepEqual(kinds(added.ops), ['add_column b', 'add_unique b', 'add_fk a']);
    // b (sorted last) loses its key to a.code, which a's section drops.
    const removed = compare(
      [t('a'), t('b', { columns: [...t('b').columns, col('code')] })],
      [
        t('a', {
          columns: [...t('a').columns, col('code')],
          uniqueConstraints: [{ name: 'uq_a_code', columns: ['code'] }],
        }),
        t('b', { columns: [...t('b').columns, col('code')], foreignKeys: [fkTo('b', 'a')] }),
      ],
    );
    assert.deepEqual(kinds(removed.ops), ['remove_fk b', 'remove_unique a', 'remove_column a']);
  });

  test('the downgrade is every op inverted, in reverse order', () => {
    const db = [t('a', { columns: [...t('a').columns, { name: 'gone', type: 'text', nullable: true }] })];
    const model = [
      t('a', { columns: [...t('a').columns, { name: 'fresh', type: 'date', nullable: true }] }),
      t('z'),
    ];
    const up = compare(model, db).ops;
    const down = reverseOps(up);
    assert.deepEqual(kinds(up), ['add_table z', 'add_column a', 'remove_column a']);
    assert.deepEqual(kinds(down), ['add_column a', 'remove_column a', 'remove_table z']);
    assert.deepEqual(reverseOps(down), up);
  });
});

describe('compare: what is not a difference', () => {
  /** MariaDB's JSON as its introspector reads it: LONGTEXT, MySQL's own type (a portable text is TEXT). */
  const LONGTEXT = { mysql: 'longtext' };
  const model = () =>
    t('users', {
      columns: [
        { name: 'id', type: 'string(36)', nullable: false },
        { name: 'email', type: 'string(255)', nullable: false },
        { name: 'active', type: 'boolean', nullable: false, default: true },
        { name: 'n', type: 'integer', nullable: false, default: 1 },
        { name: 'doc', type: 'json', nullable: true },
        { name: 'owner', type: 'string(36)', nullable: true },
      ],
      foreignKeys: [{ ...ref('users', 'owner', 'users'), columns: ['owner'], onDelete: 'restrict' as const }],
      indexes: [{ name: 'idx_user_email', columns: ['email'], unique: true }],
    });

  test("MySQL: a unique index read back as a UNIQUE constraint, a FK's leftover index, MariaDB's JSON", () => {
    const db = structuredClone(model());
    db.indexes = [{ name: 'fk_users_owner_users', columns: ['owner'], unique: false }];
    db.uniqueConstraints = [{ name: 'IDX_USER_EMAIL', columns: ['email'] }];
    db.columns.find((c) => c.name === 'doc')!.type = LONGTEXT;
    db.checks = [{ name: 'doc', expr: 'json_valid(`doc`)' }];
    db.foreignKeys = [{ ...db.foreignKeys![0]!, onDelete: undefined }];
    assert.deepEqual(compare([model()], [db], 'mysql').ops, []);
  });

  test("MariaDB: a renamed JSON column's CHECK keeps the old column's name", () => {
    // As MariaDB 10.11 reports `op.renameColumn('users', 'document', 'doc')` on a JSON column: the
    // json_valid() check follows the column but keeps the name 'document'. It is no model's check.
    const db = structuredClone(model());
    db.columns.find((c) => c.name === 'doc')!.type = LONGTEXT;
    db.checks = [{ name: 'document', expr: 'json_valid(`doc`)' }];
    db.foreignKeys = [{ ...db.foreignKeys![0]!, onDelete: undefined }];
    assert.deepEqual(compare([model()], [db], 'mysql').ops, []);
  });

  test('NO ACTION is the default everywhere; RESTRICT is one with it on MySQL only', () => {
    const db = structuredClone(model());
    db.foreignKeys = [{ ...db.foreignKeys![0]!, onDelete: undefined }];
    const noAction = model();
    noAction.foreignKeys![0]!.onDelete = 'no action';
    for (const dialect of ['sqlite', 'mysql', 'postgres'] as const) {
      assert.deepEqual(compare([noAction], [db], dialect).ops, [], dialect);
    }
    // MariaDB reports RESTRICT for a key that names no action, and InnoDB treats them alike.
    assert.deepEqual(compare([model()], [db], 'mysql').ops, []);
    // SQLite and PostgreSQL keep them apart and check RESTRICT at once: a key that lost it is drift.
    for (const dialect of ['sqlite', 'postgres'] as const) {
      assert.deepEqual(
        compare([model()], [db], dialect).ops.map((o) => o.kind),
        ['remove_fk', 'add_fk'],
        dialect,
      );
    }
  });

  test('SQLite: JSON is stored as TEXT; index names differ only in case', () => {
    const db = structuredClone(model());
    db.columns.find((c) => c.name === 'doc')!.type = 'text';
    db.indexes = [{ name: 'IDX_User_Email', columns: ['email'], unique: true }];
    assert.deepEqual(compare([model()], [db], 'sqlite').ops, []);
    // …but on PostgreSQL jsonb is read back as json, so text there is a real difference.
    assert.deepEqual(
      compare([model()], [db], 'postgres').ops.map((o) => o.kind),
      ['alter_column'],
    );
  });

  test('MySQL tells JSON from TEXT (the json_valid() check): a change between them is a difference', () => {
    const asText = model();
    asText.columns.find((c) => c.name === 'doc')!.type = 'text';
    const db = structuredClone(model());
    db.columns.find((c) => c.name === 'doc')!.type = LONGTEXT;
    db.checks = [{ name: 'doc', expr: 'json_valid(`doc`)' }];
    db.foreignKeys = [{ ...db.foreignKeys![0]!, onDelete: undefined }];
    const ops = compare([asText], [db], 'mysql').ops;
    assert.deepEqual(
      ops.map((o) => o.kind === 'alter_column' && `${o.from.type} -> ${o.to.type}`),
      ['json -> text'],
    );
    // …and the other way round, once the check is gone (LONGTEXT then, which TEXT is not).
    db.checks = [];
    const back = compare([model()], [db], 'mysql').ops;
    assert.deepEqual(
      back.map((o) => o.kind === 'alter_column' && `${typeLabel(o.from.type)} -> ${typeLabel(o.to.type)}`),
      ['mysql:longtext -> json'],
    );
  });

  test('timestamp literal defaults as MySQL and PostgreSQL read them back', () => {
    const m = t('t', {
      columns: [
        { name: 'id', type: 'integer', nullable: false },
        { name: 'at', type: 'timestamp', nullable: false, default: '2026-01-01 00:00:00' },
        { name: 'ms', type: 'timestamp', nullable: true, default: '2026-01-01 10:00:00.250' },
      ],
    });
    for (const [at, ms] of [
      ['2026-01-01 00:00:00.000', '2026-01-01 10:00:00.250'], // MariaDB DATETIME(3)
      ['2026-01-01 00:00:00+00', '2026-01-01 10:00:00.25+00'], // PostgreSQL, session in UTC
      ['2026-01-01 01:00:00+01', '2026-01-01 05:00:00.25-05'], // PostgreSQL, another session zone
    ]) {
      const db = structuredClone(m);
      db.columns[1]!.default = at;
      db.columns[2]!.default = ms;
      assert.deepEqual(compare([m], [db]).ops, [], `${at} / ${ms}`);
    }
    const other = structuredClone(m);
    other.columns[1]!.default = '2026-01-01 00:00:01.000';
    assert.deepEqual(
      compare([m], [other]).ops.map((o) => o.kind),
      ['alter_column'],
    );
  });

  test("defaults in any catalogue spelling: '1' on an integer, 1 on a boolean", () => {
    const db = structuredClone(model());
    db.columns.find((c) => c.name === 'n')!.default = '1';
    db.columns.find((c) => c.name === 'active')!.default = 1;
    assert.deepEqual(compare([model()], [db]).ops, []);
  });
});

describe('warnings', () => {
  test('type changes: widening is safe, narrowing and conversions are destructive', () => {
    assert.equal(classifyTypeChange('string(100)', 'string(200)'), 'widening');
    assert.equal(classifyTypeChange('string(200)', 'string(100)'), 'narrowing');
    assert.equal(classifyTypeChange('string(20)', 'text'), 'widening');
    assert.equal(classifyTypeChange('text', 'string(255)'), 'narrowing');
    assert.equal(classifyTypeChange('numeric(6,2)', 'numeric(10,2)'), 'widening');
    assert.equal(classifyTypeChange('numeric(10,2)', 'numeric(10,4)'), 'narrowing');
    assert.equal(classifyTypeChange('integer', 'bigint'), 'widening');
    assert.equal(classifyTypeChange('bigint', 'smallint'), 'narrowing');
    assert.equal(classifyTypeChange('string(20)', 'integer'), 'conversion');
  });

  test('drops and NOT NULL are marked destructive; a NOT NULL column without default may fail', () => {
    const col = { name: 'c', type: 'integer' as const, nullable: false };
    assert.deepEqual(
      warningsFor({ kind: 'remove_column', table: 't', column: col }).map((w) => w.destructive),
      [true],
    );
    const add = warningsFor({ kind: 'add_column', table: 't', column: col });
    assert.equal(add.length, 1);
    assert.equal(add[0]!.destructive, false);
    assert.match(add[0]!.text, /without a server default: fails if 't' has rows/);
    assert.deepEqual(warningsFor({ kind: 'add_column', table: 't', column: { ...col, default: 0 } }), []);
    const notNull = warningsFor({
      kind: 'alter_column',
      table: 't',
      from: { ...col, nullable: true },
      to: col,
      changes: { type: false, nullable: true, default: false },
    });
    assert.match(notNull[0]!.text, /makes 't\.c' NOT NULL/);
  });

  test('dropping the index a kept foreign key relies on: MySQL would refuse, the file says so', () => {
    const db = withFk('items', 'lists');
    db.indexes = [{ name: 'ix_items_lists_id_id', columns: ['lists_id', 'id'], unique: false }];
    const ops = compare([withFk('items', 'lists')], [db]).ops;
    assert.deepEqual(
      ops.map((o) => o.kind),
      ['remove_index'],
    );
    const w = warningsFor(ops[0]!);
    assert.match(w[0]!.text, /foreign key 'fk_items_lists_id_lists' still needs an index/);
    // With another index the models keep on those columns, there is nothing to warn about.
    const model = withFk('items', 'lists');
    model.indexes = [{ name: 'ix_items_lists_id', columns: ['lists_id'], unique: false }];
    const safe = compare([model], [{ ...db, indexes: [...db.indexes, ...model.indexes] }]).ops;
    assert.deepEqual(safe.flatMap(warningsFor), []);
  });

  test('MySQL: a unique index the models dropped is a removed index, and keeps the warning', () => {
    // MySQL lists a unique index as a UNIQUE constraint. Read as one, it was dropped with
    // dropConstraint (which PostgreSQL and SQLite refuse for an index) and without the warning.
    const db = withFk('items', 'lists');
    db.uniqueConstraints = [{ name: 'ix_items_lists_id_id', columns: ['lists_id', 'id'] }];
    const ops = compare([withFk('items', 'lists')], [db], 'mysql').ops;
    assert.deepEqual(kinds(ops), ['remove_index items']);
    assert.match(warningsFor(ops[0]!)[0]!.text, /foreign key 'fk_items_lists_id_lists' still needs an index/);
    // A name of the engine's unique-constraint convention is read as the constraint it was.
    db.uniqueConstraints = [{ name: 'uq_items_lists_id_id', columns: ['lists_id', 'id'] }];
    const uq = compare([withFk('items', 'lists')], [db], 'mysql').ops;
    assert.deepEqual(kinds(uq), ['remove_unique items']);
    assert.match(warningsFor(uq[0]!)[0]!.text, /foreign key 'fk_items_lists_id_lists' still needs an index/);
  });

  test('a column dropped where another is added may be a rename: a note says so', () => {
    const ops = compare(
      [t('users', { columns: [...t('users').columns, { name: 'full_name', type: 'text', nullable: true }] })],
      [t('users', { columns: [...t('users').columns, { name: 'name', type: 'text', nullable: true }] })],
    ).ops;
    const hints = renameHints(ops);
    assert.equal(hints.size, 1);
    assert.match(hints.get(0)!, /op\.renameColumn\('users', 'name', 'full_name'\)/);
  });
});

describe('render', () => {
  test("Biome's layout: flat when it fits, the last object hugged, else one argument per line", () => {
    assert.deepEqual(printCall('await op.dropTable', ['t']), ["  await op.dropTable('t');"]);
    const hugged = printCall('await op.alterColumn', [
      'products',
      'category',
      { nullable: false, existing: { type: 'string(100)', nullable: true, default: 'Uncategorized' } },
    ]);
    assert.deepEqual(hugged, [
      "  await op.alterColumn('products', 'category', {",
      '    nullable: false,',
      "    existing: { type: 'string(100)', nullable: true, default: 'Uncategorized' },",
      '  });',
    ]);
    const spread = printCall('await op.createForeignKey', [
      'fk_user_products_product_id_products',
      'user_products',
      'products',
      ['product_id'],
      ['id'],
      { onDelete: 'cascade' },
    ]);
    assert.equal(spread[0], '  await op.createForeignKey(');
    assert.equal(spread.at(-1), '  );');
    assert.equal(quote("it's"), `"it's"`);
    assert.equal(quote('say "hi"'), `'say "hi"'`);
    assert.equal(flat({ a: [1, 'x'], b: undefined, c: null }), "{ a: [1, 'x'], c: null }");
  });

  test('a generated revision passes `biome check` (format and lint) unchanged', () => {
    const model: SchemaDef = {
      tables: [
        withFk('lists', 'users'),
        t('users', {
          columns: [
            { name: 'id', type: 'string(36)', nullable: false },
            { name: 'status', type: 'string(20)', nullable: false, default: "it's" },
            {
              name: 'created_at',
              type: 'timestamp',
              nullable: false,
              default: { expr: 'current_timestamp' },
            },
            { name: 'a_rather_long_column_name_to_force_wrapping', type: 'numeric(12,4)', nullable: true },
          ],
          uniqueConstraints: [{ name: 'uq_users_status', columns: ['status'] }],
          checks: [{ name: 'ck_users_status', expr: "status IN ('active', 'it''s')" }],
          indexes: [{ name: 'ix_users_status_created_at', columns: ['status', 'created_at'], unique: true }],
        }),
      ],
    };
    const db = [
      t('users', {
        columns: [
          { name: 'id', type: 'string(36)', nullable: false },
          { name: 'status', type: 'string(10)', nullable: true },
          { name: 'legacy', type: 'text', nullable: true },
        ],
      }),
      withFk('old_things', 'users'),
    ];
    const ops = compare(model.tables, db).ops;
    const text = renderRevisionFile({
      revision: 'abcdef123456',
      downRevisions: ['0123456789ab'],
      branchLabels: [],
      dependsOn: [],
      message: 'everything at once',
      createDate: '2026-11-25 12:00:00.000000',
      importPath: 'expireeye/migrate',
      autogenerated: true,
      upgrade: renderOps(ops, { dialect: 'postgres', direction: 'upgrade' }),
      downgrade: renderOps(reverseOps(ops), { dialect: 'postgres', direction: 'downgrade' }),
    });
    assert.match(text, /\/\/ WARNING: destructive - drops table 'old_things' and every row in it\n/);
    assert.match(text, /\/\/ NOTE: table\(s\) 'old_things' dropped and 'lists' created/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-render-'));
    try {
      const file = path.join(dir, 'abcdef123456_everything_at_once.ts');
      fs.writeFileSync(file, text);
      const biome = path.join(ROOT, 'node_modules', '.bin', 'biome');
      const r = spawnSync(biome, ['check', file], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}\n${text}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("check's lines name each difference, Alembic's diff names", () => {
    const ops = compare(
      [
        t('a', {
          columns: [
            { name: 'id', type: 'integer', nullable: false },
            { name: 'x', type: 'string(20)', nullable: false, default: 'y' },
          ],
        }),
      ],
      [
        t('a', {
          columns: [
            { name: 'id', type: 'integer', nullable: false },
            { name: 'x', type: 'string(10)', nullable: true },
          ],
        }),
      ],
    ).ops;
    assert.deepEqual(ops.flatMap(describeOp), [
      "modify_type 'a.x': string(10) -> string(20)",
      "modify_nullable 'a.x': NULL -> NOT NULL",
      "modify_default 'a.x': none -> 'y'",
    ]);
  });
});
