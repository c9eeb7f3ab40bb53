import type { DialectName } from '../ddl/dialect-impl.js';
import { isPlainIndex } from '../schema/table-transform.js';
import type { Collation, ColumnDef, ForeignKeyDef, ServerDefault, TableDef } from '../schema/types.js';
import type { DiffOp } from './diff-ops.js';
import { renderedUsing } from './postgres-casts.js';
import { type Literal, printCall, printComment } from './ts-literal.js';
import { renameHints, warningComment, warningsFor } from './warnings.js';

export interface RenderOptions {
  /** The dialect the database was read from, named in notes about text taken from its catalogue. */
  dialect: DialectName;
  direction: 'upgrade' | 'downgrade';
}

/**
 * The body of `upgrade()` or `downgrade()`: one `await op.…(…)` statement per op, named calls
 * with plain-data arguments (no SQL strings), each preceded by the warnings and notes a reviewer
 * needs. The same file runs on every dialect; where SQLite cannot ALTER, `op` rebuilds the table.
 */
export function renderOps(ops: readonly DiffOp[], options: RenderOptions): string[] {
  const hints = renameHints(ops);
  const lines: string[] = [];
  ops.forEach((op, i) => {
    const hint = hints.get(i);
    if (hint) lines.push(...printComment(`NOTE: ${hint}`));
    for (const w of warningsFor(op)) lines.push(...printComment(warningComment(w)));
    for (const note of [catalogueNote(op, options), rowidNote(op, options)]) {
      if (note) lines.push(...printComment(note));
    }
    lines.push(...renderOp(op));
  });
  return lines;
}

/**
 * In a downgrade, CHECK constraints re-created for a removed table or check are the database's own
 * spelling of the expression (nothing else is left to read them from): say so. A changed check is
 * restored in a portable spelling where one is certain (introspect/check-expr/), else as for a removed one.
 */
function catalogueNote(op: DiffOp, options: RenderOptions): string | undefined {
  if (options.direction !== 'downgrade') return undefined;
  const hasCheck =
    (op.kind === 'add_check' || op.kind === 'change_check' || op.kind === 'add_table') &&
    !!op.catalogueSpelling;
  if (!hasCheck) return undefined;
  return `NOTE: CHECK expression(s) as ${options.dialect} reports them; review them if this revision must run on another database.`;
}

/**
 * SQLite declares every auto-increment key INTEGER, its rowid, whatever the model's width: a
 * removed table's key reads back as integer, which the downgrade would re-create as a 32-bit key
 * elsewhere where the model may have declared bigint. Say so where it matters.
 */
function rowidNote(op: DiffOp, options: RenderOptions): string | undefined {
  if (options.direction !== 'downgrade' || options.dialect !== 'sqlite' || op.kind !== 'add_table') {
    return undefined;
  }
  const key = op.table.columns.find((c) => c.autoIncrement && c.type === 'integer');
  if (!key) return undefined;
  return `NOTE: '${op.table.name}.${key.name}' is SQLite's rowid, read as integer: make it 'bigint' if the model declared a bigint key, or MySQL and PostgreSQL get a 32-bit one.`;
}

export function renderOp(op: DiffOp): string[] {
  switch (op.kind) {
    case 'add_table':
      return [
        ...printCall('await op.createTable', [op.table.name, tableSpec(op.table)]),
        // A removed table's expression or partial index cannot be written as op.createIndex (see
        // comparableIndexes): its downgrade says so rather than recreate it as another index.
        ...(op.table.indexes ?? []).flatMap((ix) =>
          isPlainIndex(ix)
            ? printCall('await op.createIndex', [
                ix.name,
                op.table.name,
                ix.columns,
                ...uniqueFlag(ix.unique),
              ])
            : printComment(
                `NOTE: index '${ix.name}' (${ix.columns.join(', ')}${ix.where !== undefined ? ` WHERE ${ix.where}` : ''}) is not recreated: op.createIndex cannot express it; add it with op.execute if it is needed.`,
              ),
        ),
      ];
    case 'remove_table':
      return printCall('await op.dropTable', [op.table.name]);
    case 'add_column':
      return printCall('await op.addColumn', [op.table, column(op.column)]);
    case 'remove_column':
      return printCall('await op.dropColumn', [op.table, op.column.name]);
    case 'alter_column': {
      const change: Record<string, Literal> = {};
      if (op.changes.type) change.type = op.to.type;
      const using = renderedUsing(op);
      if (using) change.using = using;
      if (op.changes.nullable) change.nullable = op.to.nullable;
      if (op.changes.default)
        change.default = op.to.default === undefined ? null : serverDefault(op.to.default);
      if (op.changes.collation) change.collation = collationChange(op.from.collation, op.to.collation);
      const existing: Record<string, Literal> = { type: op.from.type, nullable: op.from.nullable };
      if (op.from.default !== undefined) existing.default = serverDefault(op.from.default);
      // MySQL's MODIFY restates the collation: without it, the column would take the table's.
      // This database's only: where the revision runs on another, op reads that one's.
      if (op.from.collation) existing.collation = { ...op.from.collation };
      return printCall('await op.alterColumn', [op.table, op.to.name, { ...change, existing }]);
    }
    case 'add_index':
      return printCall('await op.createIndex', [
        op.index.name,
        op.table,
        op.index.columns,
        ...uniqueFlag(op.index.unique),
      ]);
    case 'remove_index':
      return printCall('await op.dropIndex', [op.index.name, op.table]);
    case 'add_unique':
      return printCall('await op.createUniqueConstraint', [op.unique.name, op.table, op.unique.columns]);
    case 'remove_unique':
      return printCall('await op.dropConstraint', [op.unique.name, op.table, 'unique']);
    case 'add_fk': {
      const actions = fkActions(op.fk);
      return printCall('await op.createForeignKey', [
        op.fk.name,
        op.table,
        op.fk.references.table,
        op.fk.columns,
        op.fk.references.columns,
        ...(Object.keys(actions).length ? [actions] : []),
      ]);
    }
    case 'remove_fk':
      return printCall('await op.dropConstraint', [op.fk.name, op.table, 'foreignkey']);
    case 'add_check':
      return printCall('await op.createCheckConstraint', [op.check.name, op.table, op.check.expr]);
    case 'remove_check':
      return printCall('await op.dropConstraint', [op.check.name, op.table, 'check']);
    case 'change_check':
      return [
        ...printCall('await op.dropConstraint', [op.from.name, op.table, 'check']),
        ...printCall('await op.createCheckConstraint', [op.to.name, op.table, op.to.expr]),
      ];
  }
}

const uniqueFlag = (unique: boolean | undefined): Literal[] => (unique ? [{ unique: true }] : []);

function serverDefault(d: ServerDefault): Literal {
  return typeof d === 'object' ? { expr: d.expr } : d;
}

function column(c: ColumnDef): Literal {
  return {
    name: c.name,
    type: c.type,
    nullable: c.nullable,
    default: c.default === undefined ? undefined : serverDefault(c.default),
    autoIncrement: c.autoIncrement ? true : undefined,
    collation: c.collation ? { ...c.collation } : undefined,
  };
}

/** The dialects either side names, each set to `to`'s collation or back to its default (null). */
function collationChange(from: Collation | undefined, to: Collation | undefined): Literal {
  const dialects = new Set([...Object.keys(from ?? {}), ...Object.keys(to ?? {})]) as Set<keyof Collation>;
  return Object.fromEntries([...dialects].map((d) => [d, to?.[d] ?? null]));
}

function fkActions(fk: ForeignKeyDef): Record<string, Literal> {
  const out: Record<string, Literal> = {};
  if (fk.onDelete) out.onDelete = fk.onDelete;
  if (fk.onUpdate) out.onUpdate = fk.onUpdate;
  return out;
}

/** `op.createTable`'s spec: everything but the indexes, which follow as `op.createIndex` calls. */
function tableSpec(t: TableDef): Literal {
  const nonEmpty = <T>(list: T[] | undefined, map: (x: T) => Literal) =>
    list?.length ? list.map(map) : undefined;
  return {
    columns: t.columns.map(column),
    primaryKey: t.primaryKey ? { name: t.primaryKey.name, columns: t.primaryKey.columns } : undefined,
    uniqueConstraints: nonEmpty(t.uniqueConstraints, (u) => ({ name: u.name, columns: u.columns })),
    foreignKeys: nonEmpty(t.foreignKeys, (fk) => ({
      name: fk.name,
      columns: fk.columns,
      references: { table: fk.references.table, columns: fk.references.columns },
      ...fkActions(fk),
    })),
    checks: nonEmpty(t.checks, (c) => ({ name: c.name, expr: c.expr })),
  };
}
