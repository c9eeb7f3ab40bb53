import type { ColumnTypeName, SchemaDialect } from '../schema/types.js';

/**
 * How each catalogue prints the column types the ddl/ layer creates for the portable ones, in a
 * canonical form (lower case, no spaces). A reflected type reads as portable only when it is one
 * of these: anything else (CHAR(2), TINYINT UNSIGNED, DOUBLE(8,2), timestamp without a zone …)
 * would be recreated as a different type, so it is kept in the database's own SQL instead.
 */
export function isExactSpelling(portable: ColumnTypeName, raw: string, dialect: SchemaDialect): boolean {
  return spellings(portable, dialect).includes(canonicalSql(raw));
}

function canonicalSql(raw: string): string {
  return raw.toLowerCase().replace(/\s+/g, '');
}

function spellings(portable: ColumnTypeName, dialect: SchemaDialect): string[] {
  const args = /\(([^)]*)\)/.exec(portable)?.[1]?.replace(/\s+/g, '') ?? '';
  const base = portable.replace(/\(.*$/, '');
  return (TABLES[dialect][base] ?? []).map((s) => s.replace('$', args));
}

const TABLES: Record<SchemaDialect, Record<string, string[]>> = {
  // MariaDB prints integer display widths, MySQL 8 does not.
  mysql: {
    integer: ['int(11)', 'int', 'integer'],
    bigint: ['bigint(20)', 'bigint'],
    smallint: ['smallint(6)', 'smallint'],
    float: ['double'],
    numeric: ['decimal($)'],
    boolean: ['tinyint(1)'],
    string: ['varchar($)'],
    text: ['text'],
    date: ['date'],
    timestamp: ['datetime(3)'],
    json: ['json'],
  },
  postgres: {
    integer: ['integer'],
    bigint: ['bigint'],
    smallint: ['smallint'],
    float: ['doubleprecision'],
    numeric: ['numeric($)'],
    boolean: ['boolean'],
    string: ['charactervarying($)'],
    text: ['text'],
    date: ['date'],
    timestamp: ['timestamp(3)withtimezone'],
    json: ['jsonb'],
  },
  // SQLite keeps the declared text; json is declared TEXT (dialect-rules reads it back as json).
  sqlite: {
    // INT: an integer primary key without auto-increment (not the rowid; see the SQLite dialect).
    integer: ['integer', 'int'],
    bigint: ['bigint'],
    smallint: ['smallint'],
    float: ['real'],
    numeric: ['numeric($)'],
    boolean: ['boolean'],
    string: ['varchar($)'],
    text: ['text'],
    date: ['date'],
    timestamp: ['datetime'],
  },
};
