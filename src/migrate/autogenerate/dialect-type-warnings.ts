import { isDialectType, typeLabel } from '../schema/dialect-type.js';
import type { ColumnDef } from '../schema/types.js';
import type { DiffOp } from './diff-ops.js';
import type { Warning } from './warnings.js';

/**
 * A column recreated or retyped with a type in one database's SQL (`{ mysql: 'char(2)' }`, which
 * autogenerate writes for a type no portable one recreates exactly) ties the revision to that
 * database: the file and the console say so, rather than a portable-looking revision that fails
 * elsewhere.
 */
export function dialectTypeWarnings(op: DiffOp): Warning[] {
  const columns = (table: string, cols: ColumnDef[]) =>
    cols.filter((c) => isDialectType(c.type)).map((c) => `'${table}.${c.name}' ${typeLabel(c.type)}`);
  const found =
    op.kind === 'add_table'
      ? columns(op.table.name, op.table.columns)
      : op.kind === 'add_column'
        ? columns(op.table, [op.column])
        : op.kind === 'alter_column' && op.changes.type
          ? columns(op.table, [op.to])
          : [];
  if (!found.length) return [];
  return [
    {
      destructive: false,
      text: `dialect-specific type(s), no portable type recreates them exactly: ${found.join(', ')}; this step runs only on the database(s) named`,
    },
  ];
}
