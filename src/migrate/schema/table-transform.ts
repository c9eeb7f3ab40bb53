import type { AlterColumnChange, ConstraintKind } from '../ddl/dialect-impl.js';
import { applyCollationChange } from './collation.js';
import type { CheckDef, ColumnDef, ForeignKeyDef, TableDef, UniqueDef } from './types.js';

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

export function dropColumn(s: TableState, name: string): void {
  column(s.table, name);
  const t = s.table;
  t.columns = t.columns.filter((c) => c.name !== name);
  const keep = (cols: string[]) => !cols.includes(name);
  t.indexes = (t.indexes ?? []).filter((i) => keep(i.columns));
  t.uniqueConstraints = (t.uniqueConstraints ?? []).filter((u) => keep(u.columns));
  t.foreignKeys = (t.foreignKeys ?? []).filter((f) => keep(f.columns));
  s.columnMap.delete(name);
}

export function renameColumn(s: TableState, from: string, to: string): void {
  const c = column(s.table, from);
  c.name = to;
  const rename = (cols: string[]) => cols.map((x) => (x === from ? to : x));
  const t = s.table;
  for (const i of t.indexes ?? []) i.columns = rename(i.columns);
  for (const u of t.uniqueConstraints ?? []) u.columns = rename(u.columns);
  for (const f of t.foreignKeys ?? []) f.columns = rename(f.columns);
  if (t.primaryKey) t.primaryKey.columns = rename(t.primaryKey.columns);
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
