import { parseColumnType } from '../schema/column-type.js';
import { typeLabel } from '../schema/dialect-type.js';
import type { ColumnDef, ColumnType } from '../schema/types.js';
import { dialectTypeWarnings } from './dialect-type-warnings.js';
import { type DiffOp, tableOf } from './diff-ops.js';
import { castWarnings } from './postgres-casts.js';

/**
 * What a reviewer must not miss: operations that lose data or may fail on existing rows, and
 * drop+add pairs that may really be renames. The same notes become `// WARNING:` / `// NOTE:`
 * comments in the revision file and WARN lines on the console.
 */

export interface Warning {
  /** Loses data (or fails on existing data), as opposed to merely risky. */
  destructive: boolean;
  text: string;
}

/** The comment line a warning becomes in the revision file. */
export const warningComment = (w: Warning) => `WARNING: ${w.destructive ? 'destructive - ' : ''}${w.text}`;

/** The console line a warning becomes. */
export const warningLog = (w: Warning) => `${w.destructive ? 'Destructive operation: ' : ''}${w.text}`;

const destructive = (text: string): Warning => ({ destructive: true, text });

/** Why `op` is destructive, risky on a table with rows, or tied to one database; [] when none. */
export function warningsFor(op: DiffOp): Warning[] {
  return [...dialectTypeWarnings(op), ...dataWarnings(op), ...castWarnings(op)];
}

function dataWarnings(op: DiffOp): Warning[] {
  switch (op.kind) {
    case 'remove_table':
      return [destructive(`drops table '${op.table.name}' and every row in it`)];
    case 'remove_column':
      return [destructive(`drops column '${op.table}.${op.column.name}' and the data in it`)];
    case 'add_column':
      return notNullWithoutDefault(op.column)
        ? [
            {
              destructive: false,
              text: `adds NOT NULL column '${op.table}.${op.column.name}' without a server default: fails if '${op.table}' has rows (MySQL/MariaDB instead fill them with the type's implicit default: 0, '' or a zero date)`,
            },
          ]
        : [];
    case 'alter_column': {
      const out: Warning[] = [];
      const ref = `'${op.table}.${op.to.name}'`;
      if (op.changes.type) {
        const change = classifyTypeChange(op.from.type, op.to.type);
        if (change === 'narrowing') {
          out.push(
            destructive(
              `narrows ${ref} from ${typeLabel(op.from.type)} to ${typeLabel(op.to.type)}: longer or larger values are truncated or rejected`,
            ),
          );
        } else if (change === 'conversion') {
          out.push(
            destructive(
              `converts ${ref} from ${typeLabel(op.from.type)} to ${typeLabel(op.to.type)}: values that do not convert are lost or rejected`,
            ),
          );
        }
      }
      if (op.changes.collation) {
        out.push({
          destructive: false,
          text: `changes the collation of ${ref}: comparisons, ordering and unique keys on it follow the new one; fails if a unique key then finds values equal`,
        });
      }
      if (op.changes.nullable && !op.to.nullable) {
        out.push(destructive(`makes ${ref} NOT NULL: fails if existing rows hold NULL there`));
      }
      return out;
    }
    case 'remove_index':
    case 'remove_unique': {
      const name = op.kind === 'remove_index' ? op.index.name : op.unique.name;
      return op.neededBy
        ? [
            {
              destructive: false,
              text: `foreign key '${op.neededBy}' still needs an index on its columns: on MySQL/MariaDB, dropping '${name}' drops the key and creates it again (InnoDB then makes its own index), which checks every row`,
            },
          ]
        : [];
    }
    case 'change_check':
      return checkChangeWarnings(op);
    default:
      return [];
  }
}

/**
 * A CHECK constraint created again is checked against every existing row: a value the new list
 * drops, or any row the new expression rejects, makes the step fail (and on MySQL/MariaDB, whose
 * DDL is not transactional, the old check is already gone by then).
 */
function checkChangeWarnings(op: Extract<DiffOp, { kind: 'change_check' }>): Warning[] {
  const ref = `check constraint '${op.to.name}' on '${op.table}'`;
  const fix = 'update or delete those rows first (a data migration: op.execute before this step)';
  if (op.values) {
    const { removed } = op.values;
    if (!removed.length) return [];
    return [
      {
        destructive: false,
        text: `${ref} no longer allows ${removed.join(', ')}: fails if rows still hold ${removed.length === 1 ? 'it' : 'any of them'}; ${fix}`,
      },
    ];
  }
  return [
    {
      destructive: false,
      text: `${ref} changes its expression: fails if existing rows do not satisfy the new one; ${fix}`,
    },
  ];
}

function notNullWithoutDefault(c: ColumnDef): boolean {
  return !c.nullable && c.default === undefined && !c.autoIncrement;
}

const INTEGER_RANK: Record<string, number> = { boolean: 0, smallint: 1, integer: 2, bigint: 3 };

/** Whether every value of `from` fits in `to`. */
export function classifyTypeChange(
  from: ColumnType,
  to: ColumnType,
): 'widening' | 'narrowing' | 'conversion' {
  let a: ReturnType<typeof parseColumnType>;
  let b: ReturnType<typeof parseColumnType>;
  if (typeof from !== 'string' || typeof to !== 'string') return 'conversion';
  try {
    a = parseColumnType(from);
    b = parseColumnType(to);
  } catch {
    return 'conversion'; // a type outside the portable vocabulary: assume the worst
  }
  if (a.base === 'string' && b.base === 'string') return b.args[0]! >= a.args[0]! ? 'widening' : 'narrowing';
  if (a.base === 'string' && b.base === 'text') return 'widening';
  if (a.base === 'text' && b.base === 'string') return 'narrowing';
  if (a.base === 'numeric' && b.base === 'numeric') {
    const [p1, s1] = a.args as [number, number];
    const [p2, s2] = b.args as [number, number];
    return p2 - s2 >= p1 - s1 && s2 >= s1 ? 'widening' : 'narrowing';
  }
  const ra = INTEGER_RANK[a.base];
  const rb = INTEGER_RANK[b.base];
  if (ra !== undefined && rb !== undefined) return rb >= ra ? 'widening' : 'narrowing';
  if (ra !== undefined && (b.base === 'numeric' || b.base === 'float')) return 'widening';
  if (a.base === 'date' && b.base === 'timestamp') return 'widening';
  // Anything prints as text; every other change of kind may meet values that do not convert.
  return b.base === 'text' ? 'widening' : 'conversion';
}

/**
 * Drop+add pairs a rename would have produced: a table removed while another is added, or a
 * column removed from a table that gains another. Keyed by the index of the op the note goes
 * above (the first op of the pair).
 */
export function renameHints(ops: readonly DiffOp[]): Map<number, string> {
  const hints = new Map<number, string>();
  const addedTables = ops.flatMap((o, i) => (o.kind === 'add_table' ? [{ i, name: o.table.name }] : []));
  const removedTables = ops.flatMap((o, i) => (o.kind === 'remove_table' ? [{ i, name: o.table.name }] : []));
  if (addedTables.length && removedTables.length) {
    const first = Math.min(addedTables[0]!.i, removedTables[0]!.i);
    hints.set(
      first,
      `table(s) ${list(removedTables.map((t) => t.name))} dropped and ${list(addedTables.map((t) => t.name))} created: if this is a rename, use op.renameTable(from, to) instead to keep the rows.`,
    );
  }
  const byTable = new Map<string, { added: string[]; removed: string[]; first: number }>();
  ops.forEach((o, i) => {
    if (o.kind !== 'add_column' && o.kind !== 'remove_column') return;
    const entry = byTable.get(tableOf(o)) ?? { added: [], removed: [], first: i };
    (o.kind === 'add_column' ? entry.added : entry.removed).push(o.column.name);
    byTable.set(tableOf(o), entry);
  });
  for (const [table, e] of byTable) {
    if (!e.added.length || !e.removed.length) continue;
    const example =
      e.added.length === 1 && e.removed.length === 1
        ? `op.renameColumn('${table}', '${e.removed[0]}', '${e.added[0]}')`
        : 'op.renameColumn(table, from, to)';
    hints.set(
      e.first,
      `'${table}' loses column(s) ${list(e.removed)} and gains ${list(e.added)}: if this is a rename, replace the drop and the add with ${example} to keep the data.`,
    );
  }
  return hints;
}

const list = (names: string[]) => names.map((n) => `'${n}'`).join(', ');
