import { type ColumnDefinitionBuilder, MysqlAdapter, MysqlQueryCompiler, sql } from 'kysely';
import { applyCollationChange } from '../schema/collation.js';
import { parseColumnType } from '../schema/column-type.js';
import { dialectTypeSql, isDialectType } from '../schema/dialect-type.js';
import { skipQuoted, unquoteIdentifier } from '../schema/index-statement.js';
import type { ColumnDef, ForeignKeyDef, ServerDefault, TableDef } from '../schema/types.js';
import { BaseDialect } from './base-dialect.js';
import type { AlterColumnChange, ConstraintKind } from './dialect-impl.js';

/** MySQL and MariaDB. DDL commits implicitly, so the runtime advances the version row per revision. */
export class MysqlDialect extends BaseDialect {
  readonly name = 'mysql' as const;
  readonly implName = 'MySQLImpl';
  readonly transactionalDDL = false;

  constructor() {
    super(new MysqlAdapter(), () => new MysqlQueryCompiler());
  }

  quote(identifier: string): string {
    return `\`${identifier.replaceAll('`', '``')}\``;
  }

  protected override stringLiteral(value: string): string {
    return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  }

  protected override autoIncrement(b: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
    return b.autoIncrement();
  }

  columnType(col: ColumnDef): string {
    if (isDialectType(col.type)) return dialectTypeSql(col.type, this.name);
    const t = parseColumnType(col.type);
    switch (t.base) {
      case 'integer':
        return 'INTEGER';
      case 'bigint':
        return 'BIGINT';
      case 'smallint':
        return 'SMALLINT';
      case 'float':
        return 'DOUBLE';
      case 'numeric':
        return `DECIMAL(${t.args[0]}, ${t.args[1]})`;
      case 'boolean':
        return 'BOOL';
      case 'string':
        return `VARCHAR(${t.args[0]})`;
      case 'date':
        return 'DATE';
      case 'timestamp':
        // Millisecond precision, as a JavaScript Date holds; stored in UTC (the pool sets time_zone).
        return 'DATETIME(3)';
      case 'json':
        return 'JSON';
      default:
        return 'TEXT';
    }
  }

  renderDefault(def: ServerDefault, type: ColumnDef['type']): string {
    if (typeof def === 'object') {
      if (def.expr === 'current_date') return '(CURRENT_DATE)';
      const fsp = type === 'timestamp' ? '3' : fractionalDigits(type);
      return fsp ? `CURRENT_TIMESTAMP(${fsp})` : 'CURRENT_TIMESTAMP';
    }
    if (typeof def === 'boolean') return def ? '1' : '0';
    return this.literal(def);
  }

  /**
   * MODIFY restates the whole column, so the existing definition fills what does not change: its
   * collation too, or MODIFY would give the column the table's default one.
   */
  alterColumn(table: string, existing: ColumnDef, change: AlterColumnChange): string[] {
    const next: ColumnDef = {
      ...existing,
      ...(change.type !== undefined ? { type: change.type } : {}),
      ...(change.nullable !== undefined ? { nullable: change.nullable } : {}),
    };
    if (change.default === null) delete next.default;
    else if (change.default !== undefined) next.default = change.default;
    // MariaDB's JSON is LONGTEXT in utf8mb4_bin, the database's collation rather than the column's:
    // a JSON column made text takes the table's default, as a new text column does.
    const fromJson = existing.type === 'json' && next.type !== 'json';
    const collation = applyCollationChange(fromJson ? undefined : existing.collation, change.collation);
    if (collation) next.collation = collation;
    else delete next.collation;
    return [
      this.compiler.schema
        .alterTable(table)
        .modifyColumn(next.name, sql.raw(this.columnType(next)), (c) => {
          const out = this.columnClauses(next, c);
          return next.nullable ? out.modifyEnd(sql.raw('NULL')) : out;
        })
        .compile().sql,
    ];
  }

  override dropIndex(table: string, name: string): string[] {
    return [this.compiler.schema.dropIndex(name).on(table).compile().sql];
  }

  /**
   * MariaDB reads `"name"` as a string and a backslash in a string literal as an escape: the
   * standard spelling's identifiers take backquotes and its backslashes are doubled. Backquoted
   * names pass as they are.
   */
  override checkSql(expr: string): string {
    let out = '';
    for (let i = 0; i < expr.length; i++) {
      const c = expr[i]!;
      if (c !== "'" && c !== '"' && c !== '`') {
        out += c;
        continue;
      }
      const end = skipQuoted(expr, i);
      const text = expr.slice(i, end + 1);
      if (c === "'") out += text.replaceAll('\\', '\\\\');
      else if (c === '"') out += this.quote(unquoteIdentifier(text));
      else out += text;
      i = end;
    }
    return out;
  }

  /**
   * InnoDB wants an index whose leading columns are a foreign key's, and refuses to drop the last
   * one ("needed in a foreign key constraint"). The index it made for the key by itself (named
   * after the key, and not reported by the introspector) it drops silently once another index
   * covers the columns: an index created in an upgrade then cannot be dropped in the downgrade.
   * The keys listed here are dropped before such a drop and created again after it, which gives
   * them back InnoDB's own index, as before the upgrade.
   */
  foreignKeysNeedingIndex(table: TableDef, name: string): ForeignKeyDef[] {
    const lower = name.toLowerCase();
    const own = [...(table.indexes ?? []), ...(table.uniqueConstraints ?? [])];
    const dropped = own.find((i) => i.name.toLowerCase() === lower);
    if (!dropped || ('expression' in dropped && dropped.expression)) return [];
    const others = [
      ...own.filter((i) => i.name.toLowerCase() !== lower && !('expression' in i && i.expression)),
      ...(table.primaryKey ? [table.primaryKey] : []),
    ];
    return (table.foreignKeys ?? []).filter(
      (fk) => leads(dropped.columns, fk.columns) && !others.some((i) => leads(i.columns, fk.columns)),
    );
  }

  dropConstraint(table: string, name: string, kind: ConstraintKind): string[] {
    const t = this.quote(table);
    switch (kind) {
      case 'unique':
        return [`ALTER TABLE ${t} DROP INDEX ${this.quote(name)}`];
      case 'foreignkey':
        return [`ALTER TABLE ${t} DROP FOREIGN KEY ${this.quote(name)}`];
      case 'primary':
        return [`ALTER TABLE ${t} DROP PRIMARY KEY`];
      default:
        return [`ALTER TABLE ${t} DROP CONSTRAINT ${this.quote(name)}`];
    }
  }
}

/** Whether `key` are the leading columns of `columns`. */
function leads(columns: string[], key: string[]): boolean {
  return key.length <= columns.length && key.every((c, i) => c.toLowerCase() === columns[i]!.toLowerCase());
}

/** The fractional seconds of a DATETIME(n)/TIMESTAMP(n) given as MySQL's own type: MySQL wants its default's to match. */
function fractionalDigits(type: ColumnDef['type']): string | undefined {
  return isDialectType(type)
    ? /^\s*(?:datetime|timestamp)\s*\((\d)\)/i.exec(type.mysql ?? '')?.[1]
    : undefined;
}
