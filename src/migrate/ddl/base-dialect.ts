import {
  type ColumnDefinitionBuilder,
  type DialectAdapter,
  DummyDriver,
  Kysely,
  type QueryCompiler,
  sql,
} from 'kysely';
import { collatable } from '../schema/collation.js';
import type {
  CheckDef,
  ColumnDef,
  ForeignKeyDef,
  IndexDef,
  ReferentialAction,
  ServerDefault,
  TableSpec,
  UniqueDef,
} from '../schema/types.js';
import type { AlterColumnChange, ConstraintKind, DialectImpl, DialectName } from './dialect-impl.js';

/**
 * DDL shared by the three dialects, built with Kysely's schema builder on a compile-only Kysely
 * instance. Subclasses supply types, literals and the statements where the dialects part ways.
 */
export abstract class BaseDialect implements DialectImpl {
  abstract readonly name: DialectName;
  abstract readonly implName: string;
  abstract readonly transactionalDDL: boolean;
  readonly compiler: Kysely<any>;

  constructor(adapter: DialectAdapter, queryCompiler: () => QueryCompiler) {
    this.compiler = new Kysely<any>({
      dialect: {
        createAdapter: () => adapter,
        createDriver: () => new DummyDriver(),
        createIntrospector: () => {
          throw new Error('compile-only Kysely instance has no introspector');
        },
        createQueryCompiler: queryCompiler,
      },
    });
  }

  abstract quote(identifier: string): string;
  abstract columnType(col: ColumnDef): string;
  abstract renderDefault(def: ServerDefault, type: ColumnDef['type']): string;
  abstract alterColumn(table: string, existing: ColumnDef, change: AlterColumnChange): string[] | null;
  abstract dropConstraint(table: string, name: string, kind: ConstraintKind): string[] | null;

  literal(value: unknown): string {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (typeof value === 'boolean') return this.booleanLiteral(value);
    if (value instanceof Date) return `'${value.toISOString().replace('T', ' ').replace('Z', '')}'`;
    if (typeof value === 'object') return this.stringLiteral(JSON.stringify(value));
    return this.stringLiteral(String(value));
  }

  protected booleanLiteral(value: boolean): string {
    return value ? 'true' : 'false';
  }

  protected stringLiteral(value: string): string {
    return `'${value.replaceAll("'", "''")}'`;
  }

  /** Column clauses after the type: COLLATE, NOT NULL, DEFAULT, identity. */
  protected columnClauses(col: ColumnDef, b: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
    let out = b;
    const collate = collatable(col.type) ? this.collateClause(col.collation?.[this.name]) : '';
    if (collate) out = out.modifyFront(sql.raw(collate));
    if (!col.nullable) out = out.notNull();
    if (col.default !== undefined) out = out.defaultTo(sql.raw(this.renderDefault(col.default, col.type)));
    if (col.autoIncrement) out = this.autoIncrement(out);
    return out;
  }

  /** `COLLATE <name>` for this dialect's collation, quoted as an identifier; '' for none. */
  protected collateClause(name: string | undefined): string {
    return name ? `COLLATE ${this.quote(name)}` : '';
  }

  protected autoIncrement(b: ColumnDefinitionBuilder): ColumnDefinitionBuilder {
    return b;
  }

  protected action(
    a: ReferentialAction | undefined,
  ): 'cascade' | 'set null' | 'restrict' | 'no action' | undefined {
    return a;
  }

  createTable(name: string, spec: TableSpec): string[] {
    let b = this.compiler.schema.createTable(name);
    for (const col of spec.columns) {
      b = b.addColumn(col.name, sql.raw(this.columnType(col)), (c) => this.columnClauses(col, c));
    }
    if (spec.primaryKey) {
      b = b.addPrimaryKeyConstraint(spec.primaryKey.name ?? `pk_${name}`, spec.primaryKey.columns as never[]);
    }
    for (const u of spec.uniqueConstraints ?? []) b = b.addUniqueConstraint(u.name, u.columns as never[]);
    for (const fk of spec.foreignKeys ?? []) {
      b = b.addForeignKeyConstraint(
        fk.name,
        fk.columns as never[],
        fk.references.table,
        fk.references.columns,
        (c) => {
          let out = c;
          const del = this.action(fk.onDelete);
          const upd = this.action(fk.onUpdate);
          if (del) out = out.onDelete(del);
          if (upd) out = out.onUpdate(upd);
          return out;
        },
      );
    }
    for (const ck of spec.checks ?? []) b = b.addCheckConstraint(ck.name, sql.raw(this.checkSql(ck.expr)));
    return [b.compile().sql];
  }

  dropTable(name: string): string[] {
    return [this.compiler.schema.dropTable(name).compile().sql];
  }

  renameTable(from: string, to: string): string[] {
    return [this.compiler.schema.alterTable(from).renameTo(to).compile().sql];
  }

  addColumn(table: string, col: ColumnDef): string[] {
    return [
      this.compiler.schema
        .alterTable(table)
        .addColumn(col.name, sql.raw(this.columnType(col)), (c) => this.columnClauses(col, c))
        .compile().sql,
    ];
  }

  dropColumn(table: string, column: string): string[] {
    return [this.compiler.schema.alterTable(table).dropColumn(column).compile().sql];
  }

  renameColumn(table: string, from: string, to: string): string[] {
    return [this.compiler.schema.alterTable(table).renameColumn(from, to).compile().sql];
  }

  createIndex(table: string, index: IndexDef): string[] {
    let b = this.compiler.schema.createIndex(index.name).on(table).columns(index.columns);
    if (index.unique) b = b.unique();
    return [b.compile().sql];
  }

  dropIndex(_table: string, name: string): string[] {
    return [this.compiler.schema.dropIndex(name).compile().sql];
  }

  addUnique(table: string, unique: UniqueDef): string[] | null {
    return [
      this.compiler.schema.alterTable(table).addUniqueConstraint(unique.name, unique.columns).compile().sql,
    ];
  }

  addForeignKey(table: string, fk: ForeignKeyDef): string[] | null {
    let b = this.compiler.schema
      .alterTable(table)
      .addForeignKeyConstraint(fk.name, fk.columns, fk.references.table, fk.references.columns);
    const del = this.action(fk.onDelete);
    const upd = this.action(fk.onUpdate);
    if (del) b = b.onDelete(del);
    if (upd) b = b.onUpdate(upd);
    return [b.compile().sql];
  }

  /**
   * A CHECK expression as this database must read it. The models' and the revisions' spelling is
   * standard SQL, what SQLite and PostgreSQL read: `"name"` is an identifier, a string literal
   * only doubles its quote, and a backslash in it is a backslash.
   */
  checkSql(expr: string): string {
    return expr;
  }

  addCheck(table: string, check: CheckDef): string[] | null {
    return [
      this.compiler.schema
        .alterTable(table)
        .addCheckConstraint(check.name, sql.raw(this.checkSql(check.expr)))
        .compile().sql,
    ];
  }

  createVersionTable(table: string): string[] {
    return this.createTable(table, {
      columns: [{ name: 'version_num', type: 'string(32)', nullable: false }],
      primaryKey: { name: `${table}_pkc`, columns: ['version_num'] },
    });
  }
}
