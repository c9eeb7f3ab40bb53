import { SqliteAdapter, SqliteQueryCompiler } from 'kysely';
import { INTEGER_TYPES, parseColumnType } from '../schema/column-type.js';
import { dialectTypeSql, isDialectType } from '../schema/dialect-type.js';
import { constraintName } from '../schema/naming.js';
import { isPlainIndex } from '../schema/table-transform.js';
import type { ColumnDef, ServerDefault, TableDef, TableSpec } from '../schema/types.js';
import { BaseDialect } from './base-dialect.js';
import type { AlterColumnChange, ConstraintKind, TableRebuilder } from './dialect-impl.js';

/**
 * SQLite. Its ALTER TABLE can add, drop and rename columns and rename tables, nothing else: every
 * other change returns null here and is applied by `rebuildTable`, the copy-and-move procedure of
 * https://www.sqlite.org/lang_altertable.html#otheralter (Alembic's "batch" mode).
 */
export class SqliteDialect extends BaseDialect implements TableRebuilder {
  readonly name = 'sqlite' as const;
  readonly implName = 'SQLiteImpl';
  // DDL is transactional in SQLite; each revision runs inside its own transaction.
  readonly transactionalDDL = true;

  constructor() {
    super(new SqliteAdapter(), () => new SqliteQueryCompiler());
  }

  quote(identifier: string): string {
    return `"${identifier.replaceAll('"', '""')}"`;
  }

  protected override booleanLiteral(value: boolean): string {
    return value ? '1' : '0';
  }

  columnType(col: ColumnDef): string {
    if (isDialectType(col.type)) return dialectTypeSql(col.type, this.name);
    const t = parseColumnType(col.type);
    // Only a column declared exactly INTEGER PRIMARY KEY is the rowid, which SQLite fills in: a
    // BIGINT primary key stays NULL and fails NOT NULL. Its integers are 64-bit whatever the name,
    // so an auto-increment bigint or smallint loses nothing as INTEGER.
    if (col.autoIncrement && INTEGER_TYPES.has(t.base)) return 'INTEGER';
    switch (t.base) {
      case 'integer':
        return 'INTEGER';
      case 'bigint':
        return 'BIGINT';
      case 'smallint':
        return 'SMALLINT';
      case 'float':
        return 'REAL';
      case 'numeric':
        return `NUMERIC(${t.args[0]}, ${t.args[1]})`;
      case 'boolean':
        return 'BOOLEAN';
      case 'string':
        return `VARCHAR(${t.args[0]})`;
      case 'date':
        return 'DATE';
      case 'timestamp':
        return 'DATETIME';
      default:
        return 'TEXT';
    }
  }

  /**
   * A single-column integer primary key the model does not make auto-increment is declared INT,
   * not INTEGER: only INTEGER PRIMARY KEY is the rowid, which SQLite fills in by itself. So the key
   * behaves as on MySQL/PostgreSQL (an insert must give it), and the introspector can tell it from
   * an auto-increment one: read back as auto-increment, a dropped table's downgrade re-created it
   * with AUTO_INCREMENT / an identity on the other databases.
   */
  override createTable(name: string, spec: TableSpec): string[] {
    const key = spec.primaryKey?.columns.length === 1 ? spec.primaryKey.columns[0] : undefined;
    const columns = spec.columns.map((c) =>
      c.name === key && c.type === 'integer' && !c.autoIncrement ? { ...c, type: { sqlite: 'INT' } } : c,
    );
    return super.createTable(name, { ...spec, columns });
  }

  renderDefault(def: ServerDefault, _type: ColumnDef['type']): string {
    if (typeof def === 'object') return def.expr === 'current_date' ? 'CURRENT_DATE' : 'CURRENT_TIMESTAMP';
    return this.literal(def);
  }

  alterColumn(_table: string, _existing: ColumnDef, _change: AlterColumnChange): string[] | null {
    return null;
  }

  override addUnique(): string[] | null {
    return null;
  }

  override addForeignKey(): string[] | null {
    return null;
  }

  override addCheck(): string[] | null {
    return null;
  }

  dropConstraint(_table: string, _name: string, _kind: ConstraintKind): string[] | null {
    return null;
  }

  rebuildTable(old: TableDef, next: TableDef, columnMap: Map<string, string>): string[] {
    const tmp = `_ee_batch_${next.name}`;
    const q = (s: string) => this.quote(s);
    const targets = [...columnMap.keys()];
    const sources = targets.map((t) => q(columnMap.get(t)!));
    // Constraint names stay those of the final table, not of the temporary one.
    const spec = next.primaryKey
      ? {
          ...next,
          primaryKey: {
            ...next.primaryKey,
            name: next.primaryKey.name ?? constraintName('pk', next.name, []),
          },
        }
      : next;
    const statements = [
      ...this.createTable(tmp, spec),
      `INSERT INTO ${q(tmp)} (${targets.map(q).join(', ')}) SELECT ${sources.join(', ')} FROM ${q(old.name)}`,
      ...this.dropTable(old.name),
      ...this.renameTable(tmp, next.name),
    ];
    // An expression or partial index is run again as SQLite keeps it: rebuilt from its columns it
    // would lose its WHERE clause (a partial unique index becoming a full one) or its expressions.
    for (const index of next.indexes ?? []) {
      if (index.definition && !isPlainIndex(index)) statements.push(index.definition);
      else statements.push(...this.createIndex(next.name, index));
    }
    return statements;
  }
}
