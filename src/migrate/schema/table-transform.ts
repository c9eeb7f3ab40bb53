import type { AlterColumnChange, ConstraintKind } from '../ddl/dialect-impl.js';
import { applyCollationChange } from './collation.js';
import { referencesColumn, renameColumnIn } from './expression-columns.js';
import { parseCreateIndex } from './index-statement.js';
import type { CheckDef, ColumnDef, ForeignKeyDef, IndexDef, TableDef, UniqueDef } from './types.js';

/**
 * Pure edits of a TableDef, one per schema operation. The offline schema tracker replays them to
 * know a table's shape without a database, and SQLite's copy-and-move derives the new table from
 * them. Each returns a new TableDef; `columnMap` (new column → old column) tracks renames/drops.
 */
export interface TableState {
  table: TableDef;
  columnMap: Map<string, string>;
}

export class SchemaEditError extends Error {}

export function startState(table: TableDef): TableState {
  return { table: clone(table), columnMap: new Map(table.columns.map((c) => [c.name, c.name])) };
}

function clone(t: TableDef): TableDef {
  return structuredClone(t);
}

function column(t: TableDef, name: string): ColumnDef {
  const c = t.columns.find((x) => x.name === name);
  if (!c) throw new SchemaEditError(`Table '${t.name}' has no column '${name}'`);
  return c;
}

export function addColumn(s: TableState, col: ColumnDef): void {
  if (s.table.columns.some((c) => c.name === col.name)) {
    throw new SchemaEditError(`Table '${s.table.name}' already has a column '${col.name}'`);
  }
  s.table.columns.push({ ...col });
}

/**
 * The column goes, and with it every index, unique constraint, foreign key and CHECK constraint
 * that uses it — what PostgreSQL's DROP COLUMN does (MariaDB drops a CHECK on that column alone
 * and refuses one that names others too), so that SQLite's copy-and-move does not recreate a CHECK
 * naming a column that is gone.
 */
export function dropColumn(s: TableState, name: string): void {
  column(s.table, name);
  const t = s.table;
  t.columns = t.columns.filter((c) => c.name !== name);
  const keep = (cols: string[]) => !cols.includes(name);
  for (const i of t.indexes ?? []) {
    // A term's COLLATE or DESC does not make an index on the column survive it: it goes, as a plain one.
    if ((i.expression || i.where !== undefined) && indexUses(i, name)) {
      throw new SchemaEditError(
        `Index '${i.name}' on '${t.name}' uses column '${name}'${i.expression ? ' in an expression' : ''}${i.where !== undefined ? ` (WHERE ${i.where})` : ''}: ` +
          `dropping the column would drop or change it. Drop the index first (op.dropIndex('${i.name}', '${t.name}')), ` +
          'then create the index it should become, if any',
      );
    }
  }
  t.indexes = (t.indexes ?? []).filter((i) => keep(i.columns));
  t.uniqueConstraints = (t.uniqueConstraints ?? []).filter((u) => keep(u.columns));
  t.foreignKeys = (t.foreignKeys ?? []).filter((f) => keep(f.columns));
  t.checks = (t.checks ?? []).filter((c) => !referencesColumn(c.expr, name));
  s.columnMap.delete(name);
}

/** The column is renamed wherever it is used, CHECK expressions included, as every database does. */
export function renameColumn(s: TableState, from: string, to: string): void {
  const c = column(s.table, from);
  c.name = to;
  const rename = (cols: string[]) => cols.map((x) => (x === from ? to : x));
  const t = s.table;
  for (const i of t.indexes ?? []) {
    if (isPlainIndex(i)) i.columns = rename(i.columns);
    else renameInIndex(i, from, to);
  }
  for (const u of t.uniqueConstraints ?? []) u.columns = rename(u.columns);
  for (const f of t.foreignKeys ?? []) f.columns = rename(f.columns);
  if (t.primaryKey) t.primaryKey.columns = rename(t.primaryKey.columns);
  for (const ck of t.checks ?? []) ck.expr = renameColumnIn(ck.expr, from, to);
  const source = s.columnMap.get(from);
  s.columnMap.delete(from);
  if (source !== undefined) s.columnMap.set(to, source);
}

export function alterColumn(s: TableState, name: string, change: AlterColumnChange): ColumnDef {
  const c = column(s.table, name);
  if (change.type !== undefined) c.type = change.type;
  if (change.nullable !== undefined) c.nullable = change.nullable;
  if (change.default === null) delete c.default;
  else if (change.default !== undefined) c.default = change.default;
  const collation = applyCollationChange(c.collation, change.collation);
  if (collation) c.collation = collation;
  else delete c.collation;
  return c;
}

export function addUnique(s: TableState, u: UniqueDef): void {
  s.table.uniqueConstraints = [...(s.table.uniqueConstraints ?? []), { ...u }];
}

export function addForeignKey(s: TableState, fk: ForeignKeyDef): void {
  s.table.foreignKeys = [...(s.table.foreignKeys ?? []), structuredClone(fk)];
}

export function addCheck(s: TableState, ck: CheckDef): void {
  s.table.checks = [...(s.table.checks ?? []), { ...ck }];
}

export function dropConstraint(s: TableState, name: string, kind: ConstraintKind): void {
  const t = s.table;
  const before = JSON.stringify([t.uniqueConstraints, t.foreignKeys, t.checks, t.primaryKey]);
  if (kind === 'unique') t.uniqueConstraints = (t.uniqueConstraints ?? []).filter((u) => u.name !== name);
  else if (kind === 'foreignkey') t.foreignKeys = (t.foreignKeys ?? []).filter((f) => f.name !== name);
  else if (kind === 'check') t.checks = (t.checks ?? []).filter((c) => c.name !== name);
  else t.primaryKey = undefined;
  if (JSON.stringify([t.uniqueConstraints, t.foreignKeys, t.checks, t.primaryKey]) === before) {
    throw new SchemaEditError(`Table '${t.name}' has no ${kind} constraint '${name}'`);
  }
}

/**
 * The table under its new name. The statement an index keeps for copy-and-move names the table:
 * SQLite's own RENAME rewrites it in sqlite_master, so the offline record must too, or the
 * script's next copy-and-move runs `CREATE INDEX … ON <old name>` and fails.
 */
export function renameTable(t: TableDef, to: string): TableDef {
  const out = { ...clone(t), name: to };
  for (const i of out.indexes ?? []) {
    const parsed = i.definition ? parseCreateIndex(i.definition) : undefined;
    if (!i.definition || !parsed) continue;
    const [a, b] = parsed.tableAt;
    // Double-quoted however it was written, as SQLite's RENAME writes it: the same stored text.
    i.definition = `${i.definition.slice(0, a)}"${to.replaceAll('"', '""')}"${i.definition.slice(b)}`;
  }
  return out;
}

/**
 * An index over bare columns only: rebuilt from `columns`. Others (expressions, a WHERE clause, a
 * term's COLLATE or DESC) are kept as their statement.
 */
export function isPlainIndex(i: IndexDef): boolean {
  return !i.expression && i.where === undefined && !i.termOptions;
}

/** Whether the index names `column`: as a term, in an expression term or in its WHERE clause. */
export function indexUses(i: IndexDef, column: string): boolean {
  if (!i.expression && i.where === undefined) return i.columns.includes(column);
  return [...i.columns, i.where ?? ''].some((text) => referencesColumn(text, column));
}

/**
 * An expression or partial index through a column rename, as SQLite's own RENAME COLUMN rewrites
 * it: the references in its terms and WHERE clause, and in the statement copy-and-move runs.
 */
function renameInIndex(i: IndexDef, from: string, to: string): void {
  if (i.definition) {
    const parsed = parseCreateIndex(i.definition);
    if (!parsed) {
      if (!indexUses(i, from)) return;
      throw new SchemaEditError(
        `Index '${i.name}' uses column '${from}' and its statement cannot be read to rename it: drop the index before the rename and create it again after`,
      );
    }
    const cut = [parsed.termsAt, ...(parsed.whereAt ? [parsed.whereAt] : [])];
    let text = i.definition;
    for (const [a, b] of cut.reverse())
      text = text.slice(0, a) + renameColumnIn(text.slice(a, b), from, to) + text.slice(b);
    i.definition = text;
  }
  i.columns = i.columns.map((c) => (c === from ? to : renameColumnIn(c, from, to)));
  if (i.where !== undefined) i.where = renameColumnIn(i.where, from, to);
}
