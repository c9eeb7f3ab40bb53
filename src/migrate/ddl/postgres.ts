import { type ColumnDefinitionBuilder, PostgresAdapter, PostgresQueryCompiler, sql } from 'kysely';
import { canonicalTimestamp, isTimestampLiteral, normalizeDefault } from '../introspect/normalize.js';
import { applyCollationChange, changesCollation, collatable } from '../schema/collation.js';
import { parseColumnType } from '../schema/column-type.js';
import { dialectTypeSql, isDialectType, sameColumnType } from '../schema/dialect-type.js';
import type { ColumnDef, ServerDefault } from '../schema/types.js';
import { BaseDialect } from './base-dialect.js';
import type { AlterColumnChange, ConstraintKind } from './dialect-impl.js';

/** PostgreSQL: transactional DDL, so each revision is all-or-nothing. */
export class PostgresDialect extends BaseDialect {
  readonly name = 'postgres' as const;
  readonly implName = 'PostgresqlImpl';
  readonly transactionalDDL = true;

  constructor() {
    super(new PostgresAdapter(), () => new PostgresQueryCompiler());
  }

  quote(identifier: string): string {
    return `"${identifier.replaceAll('"', '""')}"`;
  }

  protected override autoIncrement(b: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
    return b.generatedByDefaultAsIdentity();
  }

  columnType(col: ColumnDef): string {
    if (isDialectType(col.type)) return dialectTypeSql(col.type, this.name);
    const t = parseColumnType(col.type);
    switch (t.base) {
      case 'numeric':
        return `numeric(${t.args[0]}, ${t.args[1]})`;
      case 'string':
        return `varchar(${t.args[0]})`;
      case 'float':
        return 'double precision';
      case 'timestamp':
        // An instant: stored as UTC whatever the session's time zone.
        return 'timestamp(3) with time zone';
      case 'json':
        return 'jsonb';
      default:
        return t.base;
    }
  }

  renderDefault(def: ServerDefault, type: ColumnDef['type']): string {
    if (typeof def === 'object') return def.expr === 'current_date' ? 'CURRENT_DATE' : 'CURRENT_TIMESTAMP';
    // A timestamp literal without a zone is UTC (the engine's convention, as MySQL's DATETIME and
    // SQLite keep it); PostgreSQL would read it in the session's TimeZone, so the zone is written.
    if (type === 'timestamp' && typeof def === 'string' && isTimestampLiteral(def)) {
      return this.literal(`${canonicalTimestamp(def)}+00`);
    }
    return this.literal(def);
  }

  /** A Date is an instant: written with its zone, or a `--sql` script's session would read it in its own. */
  override literal(value: unknown): string {
    if (value instanceof Date) return `'${value.toISOString()}'`;
    return super.literal(value);
  }

  alterColumn(table: string, existing: ColumnDef, change: AlterColumnChange): string[] {
    const alter = this.compiler.schema.alterTable(table);
    const name = existing.name;
    const type = change.type ?? existing.type;
    // Compared as types, not objects: a dialect type equal to the column's is no type change.
    const retype = !sameColumnType(type, existing.type);
    const recollate = changesCollation(change.collation, 'postgres');
    // SET DATA TYPE gives the column its type's default collation unless it names one: a retyped
    // column keeps its own, and a collation change alone is SET DATA TYPE to the same type.
    const collation = applyCollationChange(existing.collation, change.collation)?.postgres;
    const out =
      retype || recollate ? this.changeType(table, existing, type, collation, retype, change.using) : [];
    if (change.nullable !== undefined) {
      out.push(
        alter.alterColumn(name, (c) => (change.nullable ? c.dropNotNull() : c.setNotNull())).compile().sql,
      );
    }
    // A type change took the default off: unless it is replaced or dropped, it goes back, as the
    // same value in the new type (false on what is now an integer is 0).
    const kept =
      retype && change.default === undefined ? normalizeDefault(existing.default, type) : undefined;
    const next = change.default ?? kept;
    if (change.default === null) out.push(alter.alterColumn(name, (c) => c.dropDefault()).compile().sql);
    else if (next !== undefined) {
      const def = sql.raw(this.renderDefault(next, type));
      out.push(alter.alterColumn(name, (c) => c.setDefault(def)).compile().sql);
    }
    return out;
  }

  /**
   * SET DATA TYPE, the default dropped first (`using`, when given, replaces the cast): PostgreSQL casts the default along with the column
   * and refuses ("default for column … cannot be cast automatically") when no implicit cast exists,
   * as from false or '0' to an integer.
   */
  private changeType(
    table: string,
    existing: ColumnDef,
    type: ColumnDef['type'],
    collation: string | undefined,
    retype: boolean,
    usingExpr: string | undefined,
  ): string[] {
    const alter = this.compiler.schema.alterTable(table);
    const name = existing.name;
    const target = this.columnType({ ...existing, type });
    const collate = collation && collatable(type) ? ` ${this.collateClause(collation)}` : '';
    // The cast goes to unbounded text where the target is a varchar(n): an explicit cast to
    // varchar(n) cuts longer values without a word, where the assignment to the column that follows
    // the USING expression refuses them ("value too long"), as MySQL does (SQLite has no lengths).
    const castTo = typeof type === 'string' && type.startsWith('string(') ? 'text' : target;
    const using = sql.raw(
      retype
        ? `${target}${collate} USING ${usingExpr ?? `${this.castSource(name, existing.type, type)}::${castTo}`}`
        : `${target}${collate}`,
    );
    return [
      ...(retype && existing.default !== undefined
        ? [alter.alterColumn(name, (c) => c.dropDefault()).compile().sql]
        : []),
      alter.alterColumn(name, (c) => c.setDataType(using)).compile().sql,
    ];
  }

  /**
   * The column as the USING expression starts from. PostgreSQL casts boolean to and from integer
   * only, not smallint or bigint: those go through integer.
   */
  private castSource(column: string, from: ColumnDef['type'], to: ColumnDef['type']): string {
    const quoted = this.quote(column);
    const viaInteger = (t: ColumnDef['type']) => t === 'smallint' || t === 'bigint';
    const bool = (t: ColumnDef['type']) => t === 'boolean';
    return (bool(from) && viaInteger(to)) || (viaInteger(from) && bool(to)) ? `${quoted}::integer` : quoted;
  }

  dropConstraint(table: string, name: string, _kind: ConstraintKind): string[] {
    return [this.compiler.schema.alterTable(table).dropConstraint(name).compile().sql];
  }
}
