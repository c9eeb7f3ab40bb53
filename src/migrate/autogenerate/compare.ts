import type { DialectName } from '../ddl/dialect-impl.js';
import { sameCollation } from '../schema/collation.js';
import { typeLabel } from '../schema/dialect-type.js';
import type { ColumnDef, ForeignKeyDef, SchemaDef, TableDef } from '../schema/types.js';
import { compareChecks, compareForeignKeys, compareIndexesAndUniques } from './compare-constraints.js';
import { correctReflected, isEngineTable, sameDefault, sameType } from './dialect-rules.js';
import type { AlterColumnOp, DiffOp } from './diff-ops.js';
import { addedIndexMessage, fkMessage } from './messages.js';
import { restoredTable } from './restored-checks.js';
import { orderAcrossTables, orderByDependency } from './table-order.js';

export interface CompareOptions {
  dialect: DialectName;
  /** The engine's version table, never reported. */
  versionTable: string;
}

export interface CompareResult {
  /** The upgrade, in the order it must run. */
  ops: DiffOp[];
  /** Alembic's `Detected …` lines, in detection order. */
  detected: string[];
  /** What was left out of the comparison, and why (WARN lines, as Alembic's "autogenerate skipping …"). */
  skipped: string[];
}

/**
 * Compares the models (`target`) with a live database (`reflected`, from an introspector): Alembic's
 * `compare_metadata`. The order of the result is Alembic's:
 *
 * 1. new tables, referenced tables first (each with its indexes);
 * 2. existing tables in name order, per table: added columns, removed foreign keys, altered
 *    columns, indexes and unique constraints (added, changed, removed), added foreign keys, CHECK
 *    constraints, removed columns;
 * 3. removed tables, referencing tables first.
 *
 * One refinement of Alembic's per-table order: foreign keys are dropped before the indexes and
 * columns they use and added after the indexes that will back them, because MySQL refuses to drop
 * an index a foreign key still needs, and would otherwise invent an index of its own for a new key.
 *
 * Renames are not inferred (a renamed column is a removed one plus an added one), and the primary
 * keys of existing tables are not compared, both as in Alembic.
 */
export function compareSchemas(
  target: SchemaDef,
  reflected: TableDef[],
  options: CompareOptions,
): CompareResult {
  const out: CompareResult = { ops: [], detected: [], skipped: [] };
  const keep = (t: TableDef) => !isEngineTable(t.name, options.versionTable);
  const model = target.tables.filter(keep);
  const db = reflected.filter(keep);
  const dbByName = new Map(db.map((t) => [t.name.toLowerCase(), t]));
  const modelByName = new Map(model.map((t) => [t.name.toLowerCase(), t]));

  addTables(
    model.filter((t) => !dbByName.has(t.name.toLowerCase())),
    out,
  );
  const existing = model
    .filter((t) => dbByName.has(t.name.toLowerCase()))
    .sort((a, b) => compareNames(a.name, b.name));
  const sections = existing.map((m) => {
    const d = correctReflected(dbByName.get(m.name.toLowerCase())!, m, options.dialect);
    const section: CompareResult = { ops: [], detected: [], skipped: [] };
    compareTable(m, d, options.dialect, section);
    out.detected.push(...section.detected);
    out.skipped.push(...section.skipped);
    return { name: m.name, ops: section.ops, model: m, db: d };
  });
  const keys = keysAroundTypeChanges(sections, options.dialect);
  for (const k of keys) out.ops.push({ kind: 'remove_fk', table: k.table, fk: k.fk });
  for (const section of orderAcrossTables(sections)) out.ops.push(...section.ops);
  for (const k of keys) out.ops.push({ kind: 'add_fk', table: k.table, fk: k.fk });
  removeTables(
    db.filter((t) => !modelByName.has(t.name.toLowerCase())),
    options.dialect,
    out,
  );
  dropClashingTablesFirst(out.ops, db);
  return out;
}

/**
 * A table renamed in the models is a removed table and an added one (renames are not inferred),
 * and it usually keeps its index and constraint names. PostgreSQL and SQLite name indexes per
 * schema, not per table, so creating the new table before dropping the old one (the order above)
 * fails there: "relation … already exists". Such a removed table is dropped first instead — when
 * no other table's foreign key still references it (those are dropped later, in step 2) and it
 * needs no key of its own dropped first. The downgrade, the same list reversed, then drops the new
 * table before creating the old one again.
 */
function dropClashingTablesFirst(ops: DiffOp[], db: TableDef[]): void {
  const names = (t: TableDef) =>
    new Set(
      [
        t.primaryKey?.name,
        ...(t.indexes ?? []).map((i) => i.name),
        ...(t.uniqueConstraints ?? []).map((u) => u.name),
        ...(t.foreignKeys ?? []).map((f) => f.name),
        ...(t.checks ?? []).map((c) => c.name),
      ].flatMap((n) => (n ? [n.toLowerCase()] : [])),
    );
  const added = ops.flatMap((op) => (op.kind === 'add_table' ? [names(op.table)] : []));
  const firstAdd = ops.findIndex((op) => op.kind === 'add_table');
  if (firstAdd < 0) return;
  for (let i = ops.length - 1; i > firstAdd; i--) {
    const op = ops[i]!;
    if (op.kind !== 'remove_table') continue;
    const mine = names(op.table);
    if (!added.some((a) => [...mine].some((n) => a.has(n)))) continue;
    const name = op.table.name.toLowerCase();
    const referenced = db.some(
      (t) =>
        t.name.toLowerCase() !== name &&
        (t.foreignKeys ?? []).some((fk) => fk.references.table.toLowerCase() === name),
    );
    const ownKeyDropped = ops.some((o) => o.kind === 'remove_fk' && o.table.toLowerCase() === name);
    if (referenced || ownKeyDropped) continue;
    ops.splice(i, 1);
    ops.splice(firstAdd, 0, op);
    i++; // the op now at i is the one that was before it
  }
}

/**
 * The foreign keys that stay but whose columns, or the columns they reference, change type:
 * MySQL/MariaDB refuse to change either while the key exists ("Cannot change column …: used in a
 * foreign key constraint"), and a key's two sides changed one at a time would not match between
 * the two ALTERs. Each is dropped before the tables' changes and created again after them, on
 * every dialect (the revision runs unchanged on all), and so back in the downgrade.
 */
function keysAroundTypeChanges(
  sections: { name: string; ops: DiffOp[]; model: TableDef; db: TableDef }[],
  dialect: DialectName,
): { table: string; fk: ForeignKeyDef }[] {
  const key = (table: string, column: string) => `${table.toLowerCase()}\u0000${column.toLowerCase()}`;
  const retyped = new Set(
    sections.flatMap((s) =>
      s.ops.flatMap((op) =>
        op.kind === 'alter_column' && op.changes.type ? [key(op.table, op.to.name)] : [],
      ),
    ),
  );
  if (!retyped.size) return [];
  return sections.flatMap((s) => {
    const changed = compareForeignKeys(s.model, s.db, dialect).removed;
    return (s.db.foreignKeys ?? [])
      .filter(
        (fk) =>
          !changed.includes(fk) &&
          (fk.columns.some((c) => retyped.has(key(s.name, c))) ||
            fk.references.columns.some((c) => retyped.has(key(fk.references.table, c)))),
      )
      .map((fk) => ({ table: s.name, fk }));
  });
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function addTables(tables: TableDef[], out: CompareResult): void {
  const { order, deferred } = orderByDependency(tables);
  for (const t of order) {
    const table = structuredClone(t);
    table.foreignKeys = (table.foreignKeys ?? []).filter(
      (fk) => !deferred.some((d) => d.table === t.name && d.fk.name === fk.name),
    );
    out.ops.push({ kind: 'add_table', table });
    out.detected.push(`Detected added table '${t.name}'`);
    for (const ix of t.indexes ?? []) out.detected.push(addedIndexMessage(ix));
  }
  for (const d of deferred) {
    out.ops.push({ kind: 'add_fk', table: d.table, fk: d.fk });
    out.detected.push(fkMessage('added', d.table, d.fk));
  }
}

function removeTables(tables: TableDef[], dialect: DialectName, out: CompareResult): void {
  const corrected = tables.map((t) => correctReflected(t, undefined, dialect));
  const { order, deferred } = orderByDependency(corrected);
  // Keys closing a cycle first, then the tables, referencing ones first.
  for (const d of deferred) out.ops.push({ kind: 'remove_fk', table: d.table, fk: d.fk });
  for (const t of [...order].reverse()) {
    const table = structuredClone(t);
    table.foreignKeys = (table.foreignKeys ?? []).filter(
      (fk) => !deferred.some((d) => d.table === t.name && d.fk.name === fk.name),
    );
    const restored = restoredTable(table, dialect);
    out.ops.push({
      kind: 'remove_table',
      table: restored.table,
      ...(restored.portable ? {} : { catalogueSpelling: true }),
    });
    out.detected.push(`Detected removed table '${t.name}'`);
  }
}

function compareTable(m: TableDef, d: TableDef, dialect: DialectName, out: CompareResult): void {
  const name = m.name;
  const dbCols = new Map(d.columns.map((c) => [c.name.toLowerCase(), c]));
  const modelCols = new Set(m.columns.map((c) => c.name.toLowerCase()));
  const pk = new Set((m.primaryKey?.columns ?? []).map((c) => c.toLowerCase()));

  for (const c of m.columns) {
    if (dbCols.has(c.name.toLowerCase())) continue;
    out.ops.push({ kind: 'add_column', table: name, column: c });
    out.detected.push(`Detected added column '${name}.${c.name}'`);
  }

  const fks = compareForeignKeys(m, d, dialect);
  for (const fk of fks.removed) {
    out.ops.push({ kind: 'remove_fk', table: name, fk });
    out.detected.push(fkMessage('removed', name, fk));
  }

  for (const c of m.columns) {
    const existing = dbCols.get(c.name.toLowerCase());
    if (!existing) continue;
    const alter = compareColumn(name, c, existing, pk.has(c.name.toLowerCase()), d, dialect, out.detected);
    if (alter) out.ops.push(alter);
  }

  compareIndexesAndUniques(m, d, out);

  for (const fk of fks.added) {
    out.ops.push({ kind: 'add_fk', table: name, fk });
    out.detected.push(fkMessage('added', name, fk));
  }

  compareChecks(m, d, dialect, out);

  for (const c of d.columns) {
    if (modelCols.has(c.name.toLowerCase())) continue;
    out.ops.push({ kind: 'remove_column', table: name, column: c });
    out.detected.push(`Detected removed column '${name}.${c.name}'`);
  }
}

function compareColumn(
  table: string,
  model: ColumnDef,
  db: ColumnDef,
  primaryKey: boolean,
  dbTable: TableDef,
  dialect: DialectName,
  detected: string[],
): AlterColumnOp | undefined {
  const ref = `'${table}.${model.name}'`;
  // Only a collation the model declares for this database is compared: one it leaves out is the
  // database's default, whatever the server's configuration makes that. A column without one of
  // its own has its table's default (MySQL), which the model may name.
  const declared = model.collation?.[dialect];
  const reflected = db.collation?.[dialect];
  const effective = reflected ?? dbTable.defaultCollation;
  const changes = {
    type: !sameType(model.type, db.type, dialect),
    // As Alembic: a primary key's nullability is the database's business (always NOT NULL).
    nullable: !primaryKey && model.nullable !== db.nullable,
    default: !sameDefault(model, db),
    collation: declared !== undefined && !sameCollation(declared, effective),
  };
  if (changes.type)
    detected.push(`Detected type change from ${typeLabel(db.type)} to ${typeLabel(model.type)} on ${ref}`);
  if (changes.nullable) {
    detected.push(`Detected ${model.nullable ? 'NULL' : 'NOT NULL'} on column ${ref}`);
  }
  if (changes.default) detected.push(`Detected server default on column ${ref}`);
  if (changes.collation) {
    detected.push(`Detected collation change from ${reflected ?? 'the default'} to ${declared} on ${ref}`);
  }
  if (!changes.type && !changes.nullable && !changes.default && !changes.collation) return undefined;
  // The "after" column keeps what did not change as the database has it, so that the downgrade
  // restores exactly the reflected column and the upgrade's `existing` is the live one.
  const to: ColumnDef = {
    name: db.name,
    type: changes.type ? model.type : db.type,
    nullable: changes.nullable ? model.nullable : db.nullable,
  };
  const def = changes.default ? model.default : db.default;
  if (def !== undefined) to.default = def;
  // A collation change names this database's only: the previous collations of the others are
  // unknown here, so the downgrade could not restore them.
  const collation = changes.collation ? { [dialect]: declared } : db.collation;
  if (collation) to.collation = collation;
  const from: ColumnDef = { name: db.name, type: db.type, nullable: db.nullable };
  if (db.default !== undefined) from.default = db.default;
  if (db.collation) from.collation = db.collation;
  return { kind: 'alter_column', table, from, to, changes };
}
