import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareSchemas } from '../../src/migrate/autogenerate/compare.js';
import { describeOp } from '../../src/migrate/autogenerate/describe.js';
import { reverseOps } from '../../src/migrate/autogenerate/diff-ops.js';
import { renderOps } from '../../src/migrate/autogenerate/render.js';
import { restoredCheck } from '../../src/migrate/autogenerate/restored-checks.js';
import { warningsFor } from '../../src/migrate/autogenerate/warnings.js';
import { MysqlDialect } from '../../src/migrate/ddl/mysql.js';
import type { DialectName, TableDef } from '../../src/migrate/index.js';
import { canonicalNumber } from '../../src/migrate/introspect/check-expr/check-node.js';
import {
  compareCheckExpressions,
  portableCheckExpression,
} from '../../src/migrate/introspect/check-expr/compare.js';
import { portableCheck } from '../../src/migrate/introspect/normalize.js';

/**
 * The CHECK expression normaliser (introspect/check-expr/) on the catalogue text each database really
 * returns: MariaDB 10.11's information_schema.CHECK_CONSTRAINTS.CHECK_CLAUSE and PostgreSQL 15's
 * pg_get_constraintdef(), recorded for the model expression on the left.
 */

/** [model expression, MariaDB's CHECK_CLAUSE, PostgreSQL's constraint definition] */
const SPELLINGS: [string, string, string][] = [
  [
    "status IN ('a', 'b')",
    "`status` in ('a','b')",
    "CHECK (((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])))",
  ],
  ["status IN ('a')", "`status` = 'a'", "CHECK (((status)::text = 'a'::text))"],
  [
    "status NOT IN ('a','b')",
    "`status` not in ('a','b')",
    "CHECK (((status)::text <> ALL ((ARRAY['a'::character varying, 'b'::character varying])::text[])))",
  ],
  ["status NOT IN ('a')", "`status` <> 'a'", "CHECK (((status)::text <> 'a'::text))"],
  [
    "status IN ('a', 'a', 'b')",
    "`status` in ('a','a','b')",
    "CHECK (((status)::text = ANY ((ARRAY['a'::character varying, 'a'::character varying, 'b'::character varying])::text[])))",
  ],
  ['qty IN (-1, 2)', '`qty` in (-1,2)', "CHECK ((qty = ANY (ARRAY['-1'::integer, 2])))"],
  ['price IN (1.5, 2)', '`price` in (1.5,2)', 'CHECK ((price = ANY (ARRAY[1.5, (2)::numeric])))'],
  ['qty > 0', '`qty` > 0', 'CHECK ((qty > 0))'],
  ['qty > -1', '`qty` > -1', "CHECK ((qty > '-1'::integer))"],
  ['qty > 05', '`qty` > 5', 'CHECK ((qty > 5))'],
  ["qty > '5'", "`qty` > '5'", 'CHECK ((qty > 5))'],
  ['price >= 0', '`price` >= 0', 'CHECK ((price >= (0)::numeric))'],
  ['price > 1.50', '`price` > 1.50', 'CHECK ((price > 1.50))'],
  ['price > .5', '`price` > 0.5', 'CHECK ((price > 0.5))'],
  ['weight > 0.5', '`weight` > 0.5', 'CHECK ((weight > (0.5)::double precision))'],
  ["name <> ''", "`name` <> ''", "CHECK (((name)::text <> ''::text))"],
  ["name != 'x'", "`name` <> 'x'", "CHECK (((name)::text <> 'x'::text))"],
  ["name LIKE 'a%'", "`name` like 'a%'", "CHECK (((name)::text ~~ 'a%'::text))"],
  ["name NOT LIKE 'a%'", "`name`  not like 'a%'", "CHECK (((name)::text !~~ 'a%'::text))"],
  ['qty BETWEEN 1 AND 5', '`qty` between 1 and 5', 'CHECK (((qty >= 1) AND (qty <= 5)))'],
  ['qty NOT BETWEEN 1 AND 5', '`qty` not between 1 and 5', 'CHECK (((qty < 1) OR (qty > 5)))'],
  [
    'qty > 0 AND qty < 100 OR qty IS NULL',
    '`qty` > 0 and `qty` < 100 or `qty` is null',
    'CHECK ((((qty > 0) AND (qty < 100)) OR (qty IS NULL)))',
  ],
  [
    'qty > 0 AND (qty < 10 AND qty <> 5)',
    '`qty` > 0 and `qty` < 10 and `qty` <> 5',
    'CHECK (((qty > 0) AND ((qty < 10) AND (qty <> 5))))',
  ],
  [
    '(qty > 0 OR qty < -5) OR qty = 3',
    '`qty` > 0 or `qty` < -5 or `qty` = 3',
    "CHECK (((qty > 0) OR (qty < '-5'::integer) OR (qty = 3)))",
  ],
  [
    "Status = 'x' OR QTY = 1",
    "`status` = 'x' or `qty` = 1",
    "CHECK ((((status)::text = 'x'::text) OR (qty = 1)))",
  ],
  ['done = true', '`done` = 1', 'CHECK ((done = true))'],
  ["done = 'true'", "`done` = 'true'", 'CHECK ((done = true))'],
  ['done', '`done`', 'CHECK (done)'],
  ['note IS NOT NULL', '`note` is not null', 'CHECK ((note IS NOT NULL))'],
  ['qty + 1 > 2 * qty', '`qty` + 1 > 2 * `qty`', 'CHECK (((qty + 1) > (2 * qty)))'],
  ['qty - (1 - 2) > 0', '`qty` - (1 - 2) > 0', 'CHECK (((qty - (1 - 2)) > 0))'],
  ['-qty < 0', '-`qty` < 0', 'CHECK (((- qty) < 0))'],
  ['qty % 3 = 1', '`qty` MOD 3 = 1', 'CHECK (((qty % 3) = 1))'],
  [
    'price * 2 - qty / 3 >= 0',
    '`price` * 2 - `qty` / 3 >= 0',
    'CHECK ((((price * (2)::numeric) - ((qty / 3))::numeric) >= (0)::numeric))',
  ],
  // Outside what is compared on some dialects, but equal where it is.
  ['NOT (qty IN (1, 2))', '`qty` not in (1,2)', 'CHECK ((NOT (qty = ANY (ARRAY[1, 2]))))'],
  ['NOT (qty > 0 AND qty < 5)', '`qty` <= 0 or `qty` >= 5', 'CHECK ((NOT ((qty > 0) AND (qty < 5))))'],
  ["due > '2020-1-1'", "`due` > '2020-1-1'", "CHECK ((due > '2020-01-01'::date))"],
  ['length(name) > 0', 'octet_length(`name`) > 0', 'CHECK ((length((name)::text) > 0))'],
  ['lower(name) = name', 'lcase(`name`) = `name`', 'CHECK ((lower((name)::text) = (name)::text))'],
  ["trim(name) <> ''", "trim(`name`) <> ''", "CHECK ((TRIM(BOTH FROM name) <> ''::text))"],
  ['"status" IN (\'a\')', "'status' = 'a'", "CHECK (((status)::text = 'a'::text))"],
];

/** What each introspector hands the comparator (portableCheck, and PostgreSQL's CHECK (…) removed). */
function reflected(dialect: DialectName, [model, mysql, postgres]: [string, string, string]): string {
  if (dialect === 'sqlite') return model;
  if (dialect === 'mysql') return portableCheck(mysql, 'mysql');
  return portableCheck(/^CHECK \((.*)\)$/s.exec(postgres)![1]!, 'postgres');
}

const DIALECTS: DialectName[] = ['sqlite', 'mysql', 'postgres'];

describe('CHECK expressions: each database spelling', () => {
  test('is never a difference from the model expression it was made from', () => {
    for (const row of SPELLINGS) {
      for (const dialect of DIALECTS) {
        const r = compareCheckExpressions(row[0], reflected(dialect, row), dialect);
        assert.notEqual(r.kind, 'changed', `${dialect}: ${row[0]} vs ${reflected(dialect, row)}`);
      }
    }
  });

  test('is the same expression, not an unknown one, wherever the grammar is certain', () => {
    const uncertain = new Map<string, DialectName[]>([
      ['NOT (qty > 0 AND qty < 5)', ['mysql']],
      ["due > '2020-1-1'", ['postgres']],
      ["trim(name) <> ''", ['postgres']],
      ['lower(name) = name', ['mysql']],
      ['length(name) > 0', ['mysql']],
      ['"status" IN (\'a\')', ['mysql']],
    ]);
    for (const row of SPELLINGS) {
      for (const dialect of DIALECTS) {
        const expected = uncertain.get(row[0])?.includes(dialect) ? 'unknown' : 'same';
        assert.equal(
          compareCheckExpressions(row[0], reflected(dialect, row), dialect).kind,
          expected,
          `${dialect}: ${row[0]}`,
        );
      }
    }
  });
});

describe('CHECK expressions: what is a change', () => {
  test('a oneOf list: the values each side lacks, in any spelling and order', () => {
    const pg = portableCheck(
      "((status)::text = ANY ((ARRAY['active'::character varying, 'expired'::character varying, 'discarded'::character varying])::text[]))",
      'postgres',
    );
    const my = portableCheck("`status` in ('active','expired','discarded')", 'mysql');
    const model = "status IN ('expired', 'active', 'archived')";
    for (const [dialect, db] of [
      ['postgres', pg],
      ['mysql', my],
      ['sqlite', "status IN ('active', 'expired', 'discarded')"],
    ] as const) {
      assert.deepEqual(
        compareCheckExpressions(model, db, dialect),
        { kind: 'changed', values: { added: ["'archived'"], removed: ["'discarded'"] } },
        dialect,
      );
    }
    // One value, which PostgreSQL and MariaDB write as `=`.
    assert.deepEqual(compareCheckExpressions("status IN ('a', 'b')", "`status` = 'a'", 'mysql'), {
      kind: 'changed',
      values: { added: ["'b'"], removed: [] },
    });
    // A quote in a value; numbers.
    assert.deepEqual(compareCheckExpressions("s IN ('it''s', 'x')", "s IN ('x')", 'postgres'), {
      kind: 'changed',
      values: { added: ["'it''s'"], removed: [] },
    });
    // A backslash is a character on PostgreSQL and SQLite (MariaDB's escapes: never compared there).
    assert.deepEqual(compareCheckExpressions("s IN ('a\\b', 'x')", "s IN ('x')", 'sqlite'), {
      kind: 'changed',
      values: { added: ["'a\\b'"], removed: [] },
    });
    assert.deepEqual(compareCheckExpressions('qty IN (1, 2)', 'qty IN (-1, 1, 2)', 'postgres'), {
      kind: 'changed',
      values: { added: [], removed: ['-1'] },
    });
  });

  test('any other expression: changed, without values', () => {
    const cases: [string, string, DialectName][] = [
      ['qty > 1', '(qty > 0)', 'postgres'],
      ['qty BETWEEN 1 AND 6', '((qty >= 1) AND (qty <= 5))', 'postgres'],
      ['qty > 0 AND (qty < 100 OR qty IS NULL)', '`qty` > 0 and `qty` < 100 or `qty` is null', 'mysql'],
      ["status IN ('a', 'b') OR status IS NULL", "status IN ('a', 'b')", 'sqlite'],
      ['NOT (qty > 1)', '(NOT (qty > 0))', 'postgres'],
      ['length(name) < 80', 'length(name) < 90', 'sqlite'],
      ["due > '2021-01-01'", "`due` > '2020-01-01'", 'mysql'],
      ["other IN ('a', 'b')", "status IN ('a', 'b')", 'postgres'],
    ];
    for (const [model, db, dialect] of cases) {
      assert.deepEqual(
        compareCheckExpressions(model, db, dialect),
        { kind: 'changed' },
        `${dialect}: ${model}`,
      );
    }
  });

  test('never reported where the database may have rewritten the model text', () => {
    const cases: [string, string, DialectName][] = [
      // MariaDB writes NOT its own way, renames functions; "x" is a string there; backslashes escape.
      ['NOT (qty > 1)', '`qty` <= 0', 'mysql'],
      ['length(name) < 80', 'octet_length(`name`) < 90', 'mysql'],
      ["\"status\" IN ('a', 'b')", "'status' = 'a'", 'mysql'],
      ["status IN ('a\\b', 'c')", "`status` in ('a\\\\b')", 'mysql'],
      // PostgreSQL re-spells literals of other types, rewrites some functions.
      ["due > '2021-1-1'", "(due > '2020-01-01'::date)", 'postgres'],
      ["trim(name) <> 'x'", "(TRIM(BOTH FROM name) <> ''::text)", 'postgres'],
      // Outside the grammar anywhere.
      ['CASE WHEN done THEN qty > 0 ELSE true END', 'qty > 0', 'sqlite'],
      ["name || 'x' <> 'y'", "name <> 'y'", 'sqlite'],
      ['qty > 1e3', 'qty > 5', 'sqlite'],
      ['qty > 0', '', 'sqlite'],
    ];
    for (const [model, db, dialect] of cases) {
      assert.deepEqual(
        compareCheckExpressions(model, db, dialect),
        { kind: 'unknown' },
        `${dialect}: ${model}`,
      );
    }
  });
});

describe('CHECK expressions: the portable spelling a downgrade restores', () => {
  test("MariaDB's and PostgreSQL's spellings without backquotes and casts", () => {
    const cases: [string, DialectName, string][] = [
      ["`status` in ('a','b')", 'mysql', "status IN ('a', 'b')"],
      [
        "(((status)::text <> ALL ((ARRAY['a'::character varying])::text[])))",
        'postgres',
        "status NOT IN ('a')",
      ],
      ['((qty >= 1) AND (qty <= 5))', 'postgres', 'qty >= 1 AND qty <= 5'],
      ['`qty` between 1 and 5', 'mysql', 'qty BETWEEN 1 AND 5'],
      [
        '((((qty > 0) AND (qty < 100)) OR (qty IS NULL)))',
        'postgres',
        '(qty > 0 AND qty < 100) OR qty IS NULL',
      ],
      ["(qty > '-1'::integer)", 'postgres', 'qty > -1'],
      ['((price >= (0)::numeric))', 'postgres', 'price >= 0'],
      ["(((name)::text !~~ 'a%'::text))", 'postgres', "name NOT LIKE 'a%'"],
      ['(((qty - (1 - 2)) > 0))', 'postgres', 'qty - (1 - 2) > 0'],
      ['(((- qty) < 0))', 'postgres', '-qty < 0'],
      ['`qty` MOD 3 = 1', 'mysql', 'qty % 3 = 1'],
      ['((NOT ((qty > 0) AND (qty < 5))))', 'postgres', 'NOT (qty > 0 AND qty < 5)'],
      ['((done = true))', 'postgres', 'done = TRUE'],
      ["(((note = 'it''s'::text) OR (note IS NULL)))", 'postgres', "note = 'it''s' OR note IS NULL"],
    ];
    for (const [db, dialect, portable] of cases) {
      assert.equal(portableCheckExpression(db, dialect), portable, db);
      // …which reads as the same expression.
      assert.equal(compareCheckExpressions(portable, db, dialect).kind, 'same', db);
    }
  });

  test("PostgreSQL's negative numbers in a list, as numbers", () => {
    assert.equal(portableCheck("(qty = ANY (ARRAY['-1'::integer, 2]))", 'postgres'), 'qty IN (-1, 2)');
  });

  test('a name that needs quotes, in double quotes (ddl/mysql.ts writes them as backquotes)', () => {
    assert.equal(portableCheckExpression('(("Qty" > 0))', 'postgres'), '"Qty" > 0');
    assert.equal(portableCheckExpression('(("order" > 0))', 'postgres'), '"order" > 0');
    assert.equal(portableCheckExpression('(`Qty` > 0)', 'mysql'), '"Qty" > 0');
    assert.equal(
      new MysqlDialect().checkSql(`"Qty" > 0 AND "a""b" <> 'x\\y"'`),
      '`Qty` > 0 AND `a"b` <> \'x\\\\y"\'',
    );
  });

  test('none where it is not certain: a cast that may matter', () => {
    for (const db of [
      '((((price * (2)::numeric) - ((qty / 3))::numeric) >= (0)::numeric))',
      "((due > '2020-01-01'::date))",
      "((note <> 'a\\b'::text))",
    ]) {
      assert.equal(portableCheckExpression(db, 'postgres'), undefined, db);
    }
  });

  test('numbers in one spelling', () => {
    assert.deepEqual(['1.50', '05', '.5', '-0', '-0.0', '10', '1.', '', '-', '1e3'].map(canonicalNumber), [
      '1.5',
      '5',
      '0.5',
      '0',
      '0',
      '10',
      '1',
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("CHECK expressions: a removed table's or check's, as its downgrade restores it", () => {
  const table = (
    columns: readonly (readonly [string, 'integer' | 'boolean' | 'string(20)'])[],
  ): TableDef => ({
    name: 't',
    columns: columns.map(([name, type]) => ({ name, type, nullable: true })),
  });
  const restored = (expr: string, dialect: DialectName, columns: Parameters<typeof table>[0]) =>
    restoredCheck({ name: 'ck', expr }, table(columns), dialect);

  test('portable where certain: casts and backquotes gone', () => {
    assert.deepEqual(restored('((qty >= (0)::numeric))', 'postgres', [['qty', 'integer']]), {
      check: { name: 'ck', expr: 'qty >= 0' },
      portable: true,
    });
    assert.deepEqual(restored('`qty` >= 0', 'mysql', [['qty', 'integer']]), {
      check: { name: 'ck', expr: 'qty >= 0' },
      portable: true,
    });
  });

  test("as the catalogue has it where not: MariaDB's 1 for TRUE, a function each database names its own way", () => {
    for (const [expr, dialect, columns] of [
      ['`done` = 1', 'mysql', [['done', 'boolean']]],
      ['octet_length(`name`) > 0', 'mysql', [['name', 'string(20)']]],
      ['(length((name)::text) > 0)', 'postgres', [['name', 'string(20)']]],
    ] as const) {
      assert.deepEqual(
        restored(expr, dialect, columns),
        { check: { name: 'ck', expr }, portable: false },
        expr,
      );
    }
  });
});

describe('CHECK expressions: the changed-check operation', () => {
  const table = (checks: TableDef['checks']): TableDef => ({
    name: 'items',
    columns: [
      { name: 'id', type: 'integer', nullable: false },
      { name: 'status', type: 'string(20)', nullable: false },
      { name: 'qty', type: 'integer', nullable: false },
      { name: 'done', type: 'boolean', nullable: false },
    ],
    primaryKey: { name: 'pk_items', columns: ['id'] },
    uniqueConstraints: [],
    foreignKeys: [],
    checks,
    indexes: [],
  });
  const compare = (model: TableDef, db: TableDef, dialect: DialectName) =>
    compareSchemas({ tables: [model] }, [db], { dialect, versionTable: 'alembic_version' });

  test('a value removed: drop and create, the upgrade warns, the downgrade restores the old list', () => {
    const db = table([
      {
        name: 'ck_items_status',
        expr: portableCheck(
          "((status)::text = ANY ((ARRAY['new'::character varying, 'done'::character varying, 'lost'::character varying])::text[]))",
          'postgres',
        ),
      },
    ]);
    const model = table([{ name: 'ck_items_status', expr: "status IN ('new', 'done', 'archived')" }]);
    const r = compare(model, db, 'postgres');
    assert.deepEqual(r.detected, [
      "Detected changed check constraint 'ck_items_status' on 'items': added value(s) 'archived'; removed value(s) 'lost'",
    ]);
    assert.deepEqual(r.ops, [
      {
        kind: 'change_check',
        table: 'items',
        from: { name: 'ck_items_status', expr: "status IN ('new', 'done', 'lost')" },
        to: { name: 'ck_items_status', expr: "status IN ('new', 'done', 'archived')" },
        values: { added: ["'archived'"], removed: ["'lost'"] },
      },
    ]);
    assert.deepEqual(renderOps(r.ops, { dialect: 'postgres', direction: 'upgrade' }), [
      "  // WARNING: check constraint 'ck_items_status' on 'items' no longer allows 'lost': fails if rows still hold",
      '  // it; update or delete those rows first (a data migration: op.execute before this step)',
      "  await op.dropConstraint('ck_items_status', 'items', 'check');",
      `  await op.createCheckConstraint('ck_items_status', 'items', "status IN ('new', 'done', 'archived')");`,
    ]);
    const down = reverseOps(r.ops);
    assert.deepEqual(reverseOps(down), r.ops);
    assert.deepEqual(renderOps(down, { dialect: 'postgres', direction: 'downgrade' }), [
      "  // WARNING: check constraint 'ck_items_status' on 'items' no longer allows 'archived': fails if rows still",
      '  // hold it; update or delete those rows first (a data migration: op.execute before this step)',
      "  await op.dropConstraint('ck_items_status', 'items', 'check');",
      `  await op.createCheckConstraint('ck_items_status', 'items', "status IN ('new', 'done', 'lost')");`,
    ]);
    assert.deepEqual(r.ops.flatMap(describeOp), [
      "modify_constraint check 'ck_items_status' on items: status IN ('new', 'done', 'lost') -> status IN ('new', 'done', 'archived')",
    ]);
  });

  test('a value added: no warning on the way up', () => {
    const db = table([{ name: 'ck_items_status', expr: "`status` in ('new','done')" }]);
    const model = table([{ name: 'ck_items_status', expr: "status IN ('new', 'done', 'archived')" }]);
    const ops = compare(model, db, 'mysql').ops;
    assert.deepEqual(ops.flatMap(warningsFor), []);
    assert.equal(reverseOps(ops).flatMap(warningsFor).length, 1);
    // MariaDB's list is restored without backquotes, no catalogue note.
    const down = renderOps(reverseOps(ops), { dialect: 'mysql', direction: 'downgrade' });
    assert.ok(
      down.includes(
        `  await op.createCheckConstraint('ck_items_status', 'items', "status IN ('new', 'done')");`,
      ),
    );
    assert.ok(!down.some((l) => l.includes('NOTE')));
  });

  test("another expression: always a warning; the old one restored as a removed check's is (portable unless that is uncertain)", () => {
    const db = table([{ name: 'ck_items_qty', expr: '`qty` > 0' }]);
    const model = table([{ name: 'ck_items_qty', expr: 'qty >= 0' }]);
    const r = compare(model, db, 'mysql');
    assert.deepEqual(r.detected, [
      "Detected changed check constraint 'ck_items_qty' on 'items': qty > 0 to qty >= 0",
    ]);
    assert.match(
      warningsFor(r.ops[0]!)[0]!.text,
      /changes its expression: fails if existing rows do not satisfy/,
    );
    const down = renderOps(reverseOps(r.ops), { dialect: 'mysql', direction: 'downgrade' }).join('\n');
    assert.doesNotMatch(down, /NOTE/);
    assert.match(down, /await op\.createCheckConstraint\('ck_items_qty', 'items', 'qty > 0'\);/);
    // A boolean column (MariaDB spells TRUE as 1): the catalogue's text, and the note. (A function
    // call is never reported changed: the comparison cannot tell.)
    const boolean = compare(
      model,
      table([{ name: 'ck_items_qty', expr: '`qty` > 0 or `done` = 1' }]),
      'mysql',
    );
    const back = renderOps(reverseOps(boolean.ops), { dialect: 'mysql', direction: 'downgrade' }).join('\n');
    assert.match(back, /NOTE: CHECK expression\(s\) as mysql reports them/);
    assert.ok(back.includes('`qty` > 0 or `done` = 1'), back);
  });

  test('the same expression in the database spelling, or one that cannot be compared: nothing', () => {
    const same = table([
      {
        name: 'ck_items_status',
        expr: "((status)::text = ANY ((ARRAY['b'::character varying, 'a'::character varying])::text[]))",
      },
      { name: 'ck_items_qty', expr: '((qty >= 1) AND (qty <= 5))' },
    ]);
    const model = table([
      { name: 'ck_items_status', expr: "status IN ('a', 'b')" },
      { name: 'ck_items_qty', expr: 'qty BETWEEN 1 AND 5' },
    ]);
    assert.deepEqual(compare(model, same, 'postgres').ops, []);
    const unknown = table([{ name: 'ck_items_qty', expr: 'octet_length(`status`) > 0' }]);
    assert.deepEqual(
      compare(table([{ name: 'ck_items_qty', expr: 'length(status) > 1' }]), unknown, 'mysql').ops,
      [],
    );
  });
});
