import { typeLabel } from '../schema/dialect-type.js';
import type { Collation, ForeignKeyDef, ServerDefault } from '../schema/types.js';
import type { DiffOp } from './diff-ops.js';

/**
 * One line per difference, named as Alembic's `as_diffs()` tuples are (`add_column`,
 * `modify_nullable`, `remove_fk`, …), for `check`'s report. An altered column yields one line per
 * attribute that changed, as in Alembic.
 */
export function describeOp(op: DiffOp): string[] {
  switch (op.kind) {
    case 'add_table':
      // Alembic lists a new table's indexes as add_index ops of their own; so does this.
      return [
        `add_table '${op.table.name}'`,
        ...(op.table.indexes ?? []).flatMap((index) =>
          describeOp({ kind: 'add_index', table: op.table.name, index }),
        ),
      ];
    case 'remove_table':
      return [`remove_table '${op.table.name}'`];
    case 'add_column':
      return [
        `add_column '${op.table}.${op.column.name}' ${typeLabel(op.column.type)} ${op.column.nullable ? 'NULL' : 'NOT NULL'}`,
      ];
    case 'remove_column':
      return [`remove_column '${op.table}.${op.column.name}'`];
    case 'alter_column': {
      const ref = `'${op.table}.${op.to.name}'`;
      const out: string[] = [];
      if (op.changes.type)
        out.push(`modify_type ${ref}: ${typeLabel(op.from.type)} -> ${typeLabel(op.to.type)}`);
      if (op.changes.nullable)
        out.push(
          `modify_nullable ${ref}: ${nullability(op.from.nullable)} -> ${nullability(op.to.nullable)}`,
        );
      if (op.changes.default)
        out.push(`modify_default ${ref}: ${dflt(op.from.default)} -> ${dflt(op.to.default)}`);
      if (op.changes.collation)
        out.push(`modify_collation ${ref}: ${collation(op.from.collation)} -> ${collation(op.to.collation)}`);
      return out;
    }
    case 'add_index':
    case 'remove_index':
      return [
        `${op.kind} '${op.index.name}' on ${op.table} (${op.index.columns.join(', ')})${op.index.unique ? ' unique' : ''}`,
      ];
    case 'add_unique':
      return [`add_constraint unique '${op.unique.name}' on ${op.table} (${op.unique.columns.join(', ')})`];
    case 'remove_unique':
      return [
        `remove_constraint unique '${op.unique.name}' on ${op.table} (${op.unique.columns.join(', ')})`,
      ];
    case 'add_fk':
    case 'remove_fk':
      return [`${op.kind} '${op.fk.name}' on ${op.table} ${fk(op.fk)}`];
    case 'add_check':
      return [`add_constraint check '${op.check.name}' on ${op.table}`];
    case 'remove_check':
      return [`remove_constraint check '${op.check.name}' on ${op.table}`];
    case 'change_check':
      return [`modify_constraint check '${op.to.name}' on ${op.table}: ${op.from.expr} -> ${op.to.expr}`];
  }
}

const nullability = (nullable: boolean) => (nullable ? 'NULL' : 'NOT NULL');

function dflt(d: ServerDefault | undefined): string {
  if (d === undefined) return 'none';
  if (typeof d === 'object') return d.expr.toUpperCase();
  return typeof d === 'string' ? `'${d}'` : String(d);
}

/** `mysql:utf8mb4_bin`, or `default`. */
function collation(c: Collation | undefined): string {
  const named = Object.entries(c ?? {}).map(([dialect, name]) => `${dialect}:${name}`);
  return named.length ? named.join(', ') : 'default';
}

function fk(f: ForeignKeyDef): string {
  const actions = [
    f.onDelete ? ` ON DELETE ${f.onDelete.toUpperCase()}` : '',
    f.onUpdate ? ` ON UPDATE ${f.onUpdate.toUpperCase()}` : '',
  ].join('');
  return `(${f.columns.join(', ')}) -> ${f.references.table} (${f.references.columns.join(', ')})${actions}`;
}
