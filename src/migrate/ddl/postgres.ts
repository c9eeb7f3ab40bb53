import { type ColumnDefinitionBuilder, PostgresAdapter, PostgresQueryCompiler, sql } from 'kysely';
import { parseColumnType } from '../schema/column-type.js';
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

  renderDefault(def: ServerDefault, _type: ColumnDef['type']): string {
    if (typeof def === 'object') return def.expr === 'current_date' ? 'CURRENT_DATE' : 'CURRENT_TIMESTAMP';
    return this.literal(def);
  }

  alterColumn(table: string, existing: ColumnDef, change: AlterColumnChange): string[] {
    const out: string[] = [];
    const alter = this.compiler.schema.alterTable(table);
    const name = existing.name;
    if (change.type !== undefined && change.type !== existing.type) {
      const target = this.columnType({ ...existing, type: change.type });
      out.push(
        alter
          .alterColumn(name, (c) => c.setDataType(sql.raw(`${target} USING ${this.quote(name)}::${target}`)))
          .compile().sql,
      );
    }
    if (change.nullable !== undefined) {
      out.push(
        alter.alterColumn(name, (c) => (change.nullable ? c.dropNotNull() : c.setNotNull())).compile().sql,
      );
    }
    if (change.default === null) out.push(alter.alterColumn(name, (c) => c.dropDefault()).compile().sql);
    else if (change.default !== undefined) {
      const def = sql.raw(this.renderDefault(change.default, change.type ?? existing.type));
      out.push(alter.alterColumn(name, (c) => c.setDefault(def)).compile().sql);
    }
    return out;
  }

  dropConstraint(table: string, name: string, _kind: ConstraintKind): string[] {
    return [this.compiler.schema.alterTable(table).dropConstraint(name).compile().sql];
  }
}
