import { usingPlaceholder } from '../operations/using-placeholder.js';
import { parseColumnType } from '../schema/column-type.js';
import { typeLabel } from '../schema/dialect-type.js';
import type { ColumnType } from '../schema/types.js';
import type { DiffOp } from './diff-ops.js';
import type { Warning } from './warnings.js';

/**
 * PostgreSQL retypes a column with `USING "col"::new_type` (ddl/postgres.ts), which needs a cast
 * in pg_cast; for a pair with none (smallint → jsonb, boolean → date) the ALTER fails at `upgrade`
 * ("cannot cast type smallint to jsonb"). Autogenerate writes an `op.alterColumn` with a `using`
 * placeholder for those — Alembic's `postgresql_using` — and warns, whichever database it read:
 * the revision runs on PostgreSQL too.
 *
 * PostgreSQL's cast rules for the portable types (as of PostgreSQL 11, which added jsonb to
 * numbers and boolean), by kind of type:
 */
const KIND: Record<string, 'number' | 'boolean' | 'string' | 'time' | 'json'> = {
  integer: 'number',
  bigint: 'number',
  smallint: 'number',
  float: 'number',
  numeric: 'number',
  boolean: 'boolean',
  text: 'string',
  string: 'string',
  date: 'time',
  timestamp: 'time',
  json: 'json',
};

/**
 * The casts between kinds. A kind casts to itself, and to and from text by I/O conversion. boolean
 * casts to and from integer only: the engine routes smallint and bigint through integer, not float
 * or numeric (see noPostgresCast).
 */
const CASTS = new Set(['number>boolean', 'boolean>number', 'json>number', 'json>boolean']);

/** Whether PostgreSQL has no cast `USING "col"::to` can use for a column of type `from`. */
export function noPostgresCast(from: ColumnType, to: ColumnType): boolean {
  const a = kindOf(from);
  const b = kindOf(to);
  if (!a || !b || a === b || a === 'string' || b === 'string') return false;
  const base = (t: ColumnType) => parseColumnType(t as string).base;
  if (a === 'boolean' && b === 'number') return base(to) === 'float' || base(to) === 'numeric';
  if (a === 'number' && b === 'boolean') return base(from) === 'float' || base(from) === 'numeric';
  return !CASTS.has(`${a}>${b}`);
}

/** A portable type's kind; undefined for one in a database's own SQL (unknown here: no warning). */
function kindOf(t: ColumnType): string | undefined {
  if (typeof t !== 'string') return undefined;
  try {
    return KIND[parseColumnType(t).base];
  } catch {
    return undefined;
  }
}

/** The warning for a type change PostgreSQL cannot cast; [] for any other op. */
export function castWarnings(op: DiffOp): Warning[] {
  if (op.kind !== 'alter_column' || !op.changes.type || !noPostgresCast(op.from.type, op.to.type)) return [];
  const hint = kindOf(op.to.type) === 'json' ? ` (to_jsonb("${op.to.name}") keeps the values)` : '';
  return [
    {
      destructive: false,
      text: `PostgreSQL has no cast from ${typeLabel(op.from.type)} to ${typeLabel(op.to.type)} for '${op.table}.${op.to.name}': replace the placeholder in op.alterColumn's 'using' with an SQL expression of "${op.to.name}" giving the new value${hint}; PostgreSQL refuses the revision until then, the other databases ignore 'using'`,
    },
  ];
}

/** The `using` autogenerate writes for an alter_column op: a placeholder where there is no cast. */
export function renderedUsing(op: Extract<DiffOp, { kind: 'alter_column' }>): string | undefined {
  if (!op.changes.type || !noPostgresCast(op.from.type, op.to.type)) return undefined;
  return usingPlaceholder(op.to.name, typeLabel(op.from.type), typeLabel(op.to.type));
}
