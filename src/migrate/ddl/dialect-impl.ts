import type { Kysely } from 'kysely';
import type {
  CheckDef,
  CollationChange,
  ColumnDef,
  ForeignKeyDef,
  IndexDef,
  ServerDefault,
  TableDef,
  TableSpec,
  UniqueDef,
} from '../schema/types.js';

export type DialectName = 'sqlite' | 'mysql' | 'postgres';

/** What `op.alterColumn` asks for; `existing` is filled from the live table (or the offline schema). */
export interface AlterColumnChange {
  type?: ColumnDef['type'] | undefined;
  nullable?: boolean | undefined;
  /** `null` drops the default. */
  default?: ServerDefault | null | undefined;
  /** Per dialect: a name sets it, `null` goes back to the default, a dialect left out keeps its own. */
  collation?: CollationChange | undefined;
  /**
   * PostgreSQL only (Alembic's `postgresql_using`): the SQL expression giving each row's value in
   * the new type, for a type change PostgreSQL has no cast for (`to_jsonb("n")` for smallint to
   * json). The other databases convert by themselves (MySQL's MODIFY, SQLite's copy): ignored there.
   */
  using?: string | undefined;
}

/**
 * One database's DDL: the only place that knows its spelling. Each method returns the statements
 * to run, in order. The runtime executes them online or prints them for `--sql`.
 */
export interface DialectImpl {
  readonly name: DialectName;
  /** Alembic's "Context impl X." wording, kept for parity of the log lines. */
  readonly implName: string;
  readonly transactionalDDL: boolean;
  /** A Kysely instance that only compiles (no connection): builds DDL and renders data queries. */
  readonly compiler: Kysely<any>;
  quote(identifier: string): string;
  /** A SQL literal for a value, for offline scripts and defaults. */
  literal(value: unknown): string;
  columnType(col: ColumnDef): string;
  renderDefault(def: ServerDefault, type: ColumnDef['type']): string;
  /** A CHECK expression, spelt as the models and revisions do (standard SQL), as this database reads it. */
  checkSql(expr: string): string;

  createTable(name: string, spec: TableSpec): string[];
  dropTable(name: string): string[];
  renameTable(from: string, to: string): string[];
  addColumn(table: string, col: ColumnDef): string[];
  dropColumn(table: string, column: string): string[];
  renameColumn(table: string, from: string, to: string): string[];
  /** Returns null where the dialect cannot ALTER in place (SQLite): the runtime then rebuilds the table. */
  alterColumn(table: string, existing: ColumnDef, change: AlterColumnChange): string[] | null;
  createIndex(table: string, index: IndexDef): string[];
  dropIndex(table: string, name: string): string[];
  addUnique(table: string, unique: UniqueDef): string[] | null;
  addForeignKey(table: string, fk: ForeignKeyDef): string[] | null;
  addCheck(table: string, check: CheckDef): string[] | null;
  dropConstraint(table: string, name: string, kind: ConstraintKind): string[] | null;
  /**
   * The foreign keys of `table` that dropping its index or unique constraint `name` would leave
   * without the index their database requires (InnoDB's); absent where keys need none.
   */
  foreignKeysNeedingIndex?(table: TableDef, name: string): ForeignKeyDef[];

  /** The version table, `alembic_version` layout: one varchar(32) primary key column. */
  createVersionTable(table: string): string[];
}

export type ConstraintKind = 'unique' | 'foreignkey' | 'check' | 'primary';

/** Rebuilds `old` as `next` by copy-and-move (SQLite's generalized ALTER TABLE procedure). */
export interface TableRebuilder {
  rebuildTable(old: TableDef, next: TableDef, columnMap: Map<string, string>): string[];
}
