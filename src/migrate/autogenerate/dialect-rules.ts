import type { DialectName } from '../ddl/dialect-impl.js';
import { normalizeDefault } from '../introspect/normalize.js';
import { sameCollation } from '../schema/collation.js';
import { INTEGER_TYPES } from '../schema/column-type.js';
import { sameColumnType } from '../schema/dialect-type.js';
import { isConstraintNameFor } from '../schema/naming.js';
import type { ColumnDef, IndexDef, ReferentialAction, TableDef, UniqueDef } from '../schema/types.js';

/**
 * What each database does to a schema behind the models' back, undone before comparing — Alembic's
 * `correct_for_autogen_constraints` and `compare_type`/`compare_server_default` per dialect. The
 * introspectors already map types, defaults and actions to the portable vocabulary; what is left
 * here needs both sides at once (the model tells how to read an ambiguous catalogue entry) or is a
 * database's own artefact that no model declares.
 */

/** Types a dialect stores identically, so the catalogue cannot tell them apart. */
const SAME_STORAGE: Partial<Record<DialectName, string[][]>> = {
  // SQLite has no JSON type: a json column is declared TEXT. (MariaDB's JSON, LONGTEXT, is told
  // apart by its json_valid() CHECK: see correctMysql.)
  sqlite: [['json', 'text']],
};

export function sameType(model: ColumnDef['type'], db: ColumnDef['type'], dialect: DialectName): boolean {
  if (sameColumnType(model, db)) return true;
  if (typeof model !== 'string' || typeof db !== 'string') return false;
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
 * An action as the comparator sees it. NO ACTION is every dialect's default: a model that writes
 * it is no difference. RESTRICT is one only on MySQL/MariaDB, whose catalogue reports it for a
 * key that names no action and whose InnoDB treats the two alike; SQLite and PostgreSQL keep it
 * apart and check it at once, so a key that lost it (an online copy-and-move before the
 * introspectors read it) is real drift there.
 */
export function effectiveAction(
  a: ReferentialAction | undefined,
  dialect: DialectName,
): ReferentialAction | undefined {
  if (a === 'no action') return undefined;
  if (a === 'restrict' && dialect === 'mysql') return undefined;
  return a;
}

/**
 * A reflected table corrected for `dialect`, given the model's version of it (when there is one).
 * Returns a copy; the input is not changed.
 */
export function correctReflected(db: TableDef, model: TableDef | undefined, dialect: DialectName): TableDef {
  const t = structuredClone(db);
  if (dialect === 'mysql') correctMysql(t, model);
  if (dialect === 'sqlite') correctSqliteRowid(t, model);
  return t;
}

/**
 * SQLite's auto-increment primary key is its rowid, which must be declared INTEGER (see the
 * SQLite dialect's columnType): a model's bigint or smallint auto-increment key reads back as
 * integer. Read as the model declares it, or `check` reports a type change that cannot be applied.
 * So is a single-column integer primary key the model does not make auto-increment: an INTEGER
 * PRIMARY KEY is the rowid, which holds any 64-bit integer, so a bigint key loses nothing there,
 * and rebuilding it as BIGINT would stop SQLite filling it in.
 */
function correctSqliteRowid(t: TableDef, model: TableDef | undefined): void {
  const pk = model?.primaryKey?.columns ?? [];
  for (const c of t.columns) {
    const declared = model?.columns.find((m) => m.name.toLowerCase() === c.name.toLowerCase());
    const declaredType = declared?.type;
    const rowidKey =
      !!declared?.autoIncrement || (pk.length === 1 && pk[0]!.toLowerCase() === c.name.toLowerCase());
    if (
      c.autoIncrement &&
      c.type === 'integer' &&
      rowidKey &&
      typeof declaredType === 'string' &&
      INTEGER_TYPES.has(declaredType)
    ) {
      c.type = declaredType;
    }
  }
}

function correctMysql(t: TableDef, model: TableDef | undefined): void {
  correctMariadbJson(t, model);
  correctMysqlCollations(t);

  // A unique index IS a unique constraint in MySQL: information_schema lists every unique index as
  // a UNIQUE constraint. Read it as the models declare it; see isUniqueIndex for one they do not.
  const modelIndexes = new Map((model?.indexes ?? []).map((i) => [i.name.toLowerCase(), i]));
  const modelUniques = new Set((model?.uniqueConstraints ?? []).map((u) => u.name.toLowerCase()));
  const stillUnique = [];
  for (const u of t.uniqueConstraints ?? []) {
    if (isUniqueIndex(u, modelIndexes, modelUniques)) {
      t.indexes = [...(t.indexes ?? []), { name: u.name, columns: u.columns, unique: true }];
    } else stillUnique.push(u);
  }
  t.uniqueConstraints = stillUnique;

  // InnoDB gives a foreign key without a usable index one of its own, named after the key; the
  // introspector hides it while the key exists, but DROP FOREIGN KEY leaves it behind. Such a
  // leftover is the database's artefact, not a model's index: it is recognised by its name, the
  // engine's foreign-key naming convention over exactly its columns (fk_<table>_<columns>_<target>,
  // or that cut short and hashed when it is too long).
  t.indexes = (t.indexes ?? []).filter((i) => !isForeignKeyLeftover(t.name, i, modelIndexes));
}

/**
 * MySQL reports a collation for every text column, the table's default included; SHOW CREATE
 * TABLE (and SQLAlchemy's reflection) names only one that differs. A column at the table's default
 * reads as having none, so that a dropped table or column is restored without COLLATE clauses
 * nobody wrote and a changed one goes back to the default; the comparator still knows the default
 * (`defaultCollation`), so a model that declares it is no difference. MariaDB's JSON
 * (utf8mb4_bin) is the database's own.
 */
function correctMysqlCollations(t: TableDef): void {
  for (const c of t.columns) {
    const name = c.collation?.mysql;
    if (name === undefined) continue;
    if (c.type === 'json' || sameCollation(name, t.defaultCollation)) delete c.collation;
  }
}

/**
 * MariaDB's JSON: LONGTEXT with a CHECK (json_valid(`col`)), named after the column when it is
 * made. RENAME COLUMN keeps that name (json_valid(`new`) named 'old'), so the check is recognised
 * by its expression over a text column of the table, unless the model declares a check of that
 * name; matching the name as well read a renamed JSON column as text plus a check to drop.
 */
function correctMariadbJson(t: TableDef, model: TableDef | undefined): void {
  const jsonCheck = /^json_valid\(`?([^`)]+)`?\)$/i;
  // LONGTEXT, kept as MySQL's own type since a portable text column is TEXT.
  const isLongtext = (c: ColumnDef) =>
    typeof c.type === 'object' && c.type.mysql?.toLowerCase() === 'longtext';
  const textColumns = new Set(t.columns.filter(isLongtext).map((c) => c.name));
  const modelChecks = new Set((model?.checks ?? []).map((c) => c.name.toLowerCase()));
  const jsonColumns = new Set<string>();
  t.checks = (t.checks ?? []).filter((c) => {
    const column = jsonCheck.exec(c.expr.trim())?.[1];
    if (!column || !textColumns.has(column) || modelChecks.has(c.name.toLowerCase())) return true;
    jsonColumns.add(column);
    return false;
  });
  for (const c of t.columns) if (jsonColumns.has(c.name)) c.type = 'json';
}

/**
 * Whether a UNIQUE constraint MySQL lists is read as a unique index: yes when the models declare an
 * index of that name, no when they declare a unique constraint of it. One they no longer declare
 * is an index, as Alembic reads it on MySQL, unless its name has the `uq_` prefix the engine gives
 * unique constraints. Read as a constraint, a dropped unique index became
 * op.dropConstraint(…, 'unique'), which PostgreSQL and SQLite refuse for what is an index there,
 * and lost the warning about a foreign key that needs it.
 */
function isUniqueIndex(
  u: UniqueDef,
  modelIndexes: Map<string, IndexDef>,
  modelUniques: Set<string>,
): boolean {
  const name = u.name.toLowerCase();
  if (modelIndexes.has(name)) return true;
  if (modelUniques.has(name)) return false;
  return !name.startsWith('uq_');
}

function isForeignKeyLeftover(table: string, index: IndexDef, modelIndexes: Map<string, IndexDef>): boolean {
  if (index.unique || modelIndexes.has(index.name.toLowerCase())) return false;
  return isConstraintNameFor(index.name, 'fk', table, index.columns);
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
