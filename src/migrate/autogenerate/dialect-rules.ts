import type { DialectName } from '../ddl/dialect-impl.js';
import { normalizeDefault } from '../introspect/normalize.js';
import type { ColumnDef, IndexDef, ReferentialAction, TableDef } from '../schema/types.js';

/**
 * What each database does to a schema behind the models' back, undone before comparing — Alembic's
 * `correct_for_autogen_constraints` and `compare_type`/`compare_server_default` per dialect. The
 * introspectors already map types, defaults and actions to the portable vocabulary; what is left
 * here needs both sides at once (the model tells how to read an ambiguous catalogue entry) or is a
 * database's own artefact that no model declares.
 */

/** Types a dialect stores identically, so the catalogue cannot tell them apart. */
const SAME_STORAGE: Partial<Record<DialectName, string[][]>> = {
  // SQLite has no JSON type: a json column is declared TEXT.
  sqlite: [['json', 'text']],
  // MariaDB's JSON is LONGTEXT plus a json_valid() CHECK; read back when that check is dropped.
  mysql: [['json', 'text']],
};

export function sameType(model: ColumnDef['type'], db: ColumnDef['type'], dialect: DialectName): boolean {
  if (model === db) return true;
  return (SAME_STORAGE[dialect] ?? []).some((group) => group.includes(model) && group.includes(db));
}

/** Server defaults in one normal form: `'1'` on an integer is 1, `1` on a boolean is true, and so on. */
export function sameDefault(model: ColumnDef, db: ColumnDef): boolean {
  if (model.autoIncrement || db.autoIncrement) return true; // sequence/identity defaults are the DB's own
  const a = normalizeDefault(model.default, model.type);
  const b = normalizeDefault(db.default, model.type);
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * RESTRICT and NO ACTION both refuse the delete and one of them is every dialect's default, and the
 * introspectors read both as "unspecified": the model's side is read the same way, so declaring
 * `onDelete: 'restrict'` is not a phantom difference.
 */
export function effectiveAction(a: ReferentialAction | undefined): ReferentialAction | undefined {
  return a === 'restrict' || a === 'no action' ? undefined : a;
}

/**
 * A reflected table corrected for `dialect`, given the model's version of it (when there is one).
 * Returns a copy; the input is not changed.
 */
export function correctReflected(db: TableDef, model: TableDef | undefined, dialect: DialectName): TableDef {
  const t = structuredClone(db);
  if (dialect === 'mysql') correctMysql(t, model);
  return t;
}

function correctMysql(t: TableDef, model: TableDef | undefined): void {
  // MariaDB's JSON: LONGTEXT with a CHECK (json_valid(`col`)) named after the column.
  const jsonCheck = /^json_valid\(`?([^`)]+)`?\)$/i;
  const jsonColumns = new Set<string>();
  t.checks = (t.checks ?? []).filter((c) => {
    const m = jsonCheck.exec(c.expr.trim());
    if (!m || m[1] !== c.name) return true;
    jsonColumns.add(m[1]);
    return false;
  });
  for (const c of t.columns) if (jsonColumns.has(c.name) && c.type === 'text') c.type = 'json';

  // A unique index IS a unique constraint in MySQL: information_schema lists every unique index as
  // a UNIQUE constraint. When the model declares it as an index, read it as one.
  const modelIndexes = new Map((model?.indexes ?? []).map((i) => [i.name.toLowerCase(), i]));
  const stillUnique = [];
  for (const u of t.uniqueConstraints ?? []) {
    if (modelIndexes.has(u.name.toLowerCase())) {
      t.indexes = [...(t.indexes ?? []), { name: u.name, columns: u.columns, unique: true }];
    } else stillUnique.push(u);
  }
  t.uniqueConstraints = stillUnique;

  // InnoDB gives a foreign key without a usable index one of its own, named after the key; the
  // introspector hides it while the key exists, but DROP FOREIGN KEY leaves it behind. Such a
  // leftover is the database's artefact, not a model's index: it is recognised by its name, the
  // engine's foreign-key naming convention over exactly its columns (fk_<table>_<columns>_<target>).
  t.indexes = (t.indexes ?? []).filter((i) => !isForeignKeyLeftover(t.name, i, modelIndexes));
}

function isForeignKeyLeftover(table: string, index: IndexDef, modelIndexes: Map<string, IndexDef>): boolean {
  if (index.unique || modelIndexes.has(index.name.toLowerCase())) return false;
  const prefix = `fk_${table}_${index.columns.join('_')}_`.toLowerCase();
  return index.name.toLowerCase().startsWith(prefix);
}

/** Tables that belong to the engine or the database, never to the models. */
export function isEngineTable(name: string, versionTable: string): boolean {
  const n = name.toLowerCase();
  return (
    n === versionTable.toLowerCase() ||
    n.startsWith('sqlite_') || // SQLite's own (sqlite_sequence, sqlite_stat1, …)
    n.startsWith('_ee_batch_') // a copy-and-move table left by an interrupted SQLite rebuild
  );
}
