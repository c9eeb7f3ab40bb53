/**
 * Plain-data description of a schema: what models declare, what `op` calls take, what the
 * introspectors read back from a live database and what the comparator diffs. Everything here is
 * dialect-neutral; the ddl/ layer maps it onto each database.
 */

/**
 * Portable column types. Parameterised ones are written with their arguments, so a revision file
 * reads `type: 'string(255)'` or `type: 'numeric(6,2)'`.
 */
export type SimpleColumnType =
  | 'integer'
  | 'bigint'
  | 'smallint'
  | 'boolean'
  | 'text'
  | 'date'
  | 'timestamp'
  | 'float'
  | 'json';
export type ColumnTypeName = SimpleColumnType | `string(${number})` | `numeric(${number},${number})`;

/** A server-side default: a literal value, or a portable expression. */
export type ServerDefault = string | number | boolean | { expr: 'current_timestamp' | 'current_date' };

export type ReferentialAction = 'cascade' | 'set null' | 'restrict' | 'no action';

/** The databases a collation or a dialect type is named for (the ddl/ layer's DialectName). */
export type SchemaDialect = 'sqlite' | 'mysql' | 'postgres';

/** Every SchemaDialect, for checking the keys of per-dialect values (collations, dialect types). */
export const SCHEMA_DIALECTS: readonly SchemaDialect[] = ['sqlite', 'mysql', 'postgres'];

/**
 * A column type outside the portable vocabulary, in the SQL of the databases it is given for:
 * `{ mysql: "enum('x','y')" }`. Autogenerate writes one for a database column no portable type
 * reproduces exactly, so that the revision recreates it as it was; such a revision runs only on
 * the dialects named (another fails with a message saying so).
 */
export type DialectType = Partial<Record<SchemaDialect, string>>;

export type ColumnType = ColumnTypeName | DialectType;

/**
 * A column's collation, named per dialect because no name means the same thing on all three
 * (`utf8mb4_bin` on MySQL, `"C"` on PostgreSQL, `BINARY` on SQLite). A dialect left out uses its
 * default: the table's on MySQL, the database's on PostgreSQL, BINARY on SQLite.
 */
export type Collation = Partial<Record<SchemaDialect, string>>;

/**
 * A collation change in `op.alterColumn`: a name sets that dialect's collation, `null` goes back
 * to its default, and a dialect left out keeps what it has. A plain `null` is the default everywhere.
 */
export type CollationChange = Partial<Record<SchemaDialect, string | null>> | null;

export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable: boolean;
  default?: ServerDefault | undefined;
  /** Integer primary keys only: the database assigns the value. */
  autoIncrement?: boolean | undefined;
  /** Text columns only. Reflected only where it is not the column's default (see Collation). */
  collation?: Collation | undefined;
}

export interface PrimaryKeyDef {
  name?: string | undefined;
  columns: string[];
}

export interface UniqueDef {
  name: string;
  columns: string[];
}

export interface IndexDef {
  name: string;
  /** The indexed columns; for an expression index, each term as the database prints it. */
  columns: string[];
  unique?: boolean | undefined;
  /**
   * Read from a database only. Set when a term is an expression (`lower(email)`), not a column:
   * `columns` then cannot be passed back to op.createIndex, and autogenerate leaves it alone.
   */
  expression?: boolean | undefined;
  /**
   * Read from SQLite only: a column term declares a collation (other than its column's) or DESC,
   * as in `email COLLATE NOCASE DESC`. `columns` still names the columns, which autogenerate
   * compares, but copy-and-move runs `definition` again: rebuilt from `columns`, the index would
   * lose them (a case-insensitive unique key becoming case-sensitive).
   */
  termOptions?: boolean | undefined;
  /** Read from a database only: a partial index's predicate, as the database prints it. */
  where?: string | undefined;
  /**
   * Read from SQLite only, for an expression or partial index or one with `termOptions`: its CREATE INDEX statement as
   * sqlite_master keeps it, which SQLite's copy-and-move runs again rather than rebuild the index
   * from `columns` (which would drop its WHERE clause or its expressions).
   */
  definition?: string | undefined;
}

export interface ForeignKeyDef {
  name: string;
  columns: string[];
  references: { table: string; columns: string[] };
  onDelete?: ReferentialAction | undefined;
  onUpdate?: ReferentialAction | undefined;
}

export interface CheckDef {
  name: string;
  /** A boolean SQL expression that every dialect understands, e.g. `status IN ('a','b')`. */
  expr: string;
}

/** What `op.createTable(name, spec)` takes. Indexes are created with `op.createIndex`. */
export interface TableSpec {
  columns: ColumnDef[];
  primaryKey?: PrimaryKeyDef | undefined;
  uniqueConstraints?: UniqueDef[] | undefined;
  foreignKeys?: ForeignKeyDef[] | undefined;
  checks?: CheckDef[] | undefined;
}

/** A whole table, as a model declares it or as a database reports it. */
export interface TableDef extends TableSpec {
  name: string;
  indexes?: IndexDef[] | undefined;
  /**
   * Reflected from MySQL/MariaDB only: the table's default collation, which its columns without a
   * COLLATE of their own take. Lets the comparator tell a column's own collation from the default.
   */
  defaultCollation?: string | undefined;
}

export interface SchemaDef {
  tables: TableDef[];
}
