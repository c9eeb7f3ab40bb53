import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { DialectImpl } from '../ddl/dialect-impl.js';
import { introspector } from '../introspect/index.js';
import type { VersionChange } from '../script/revision-map.js';

/**
 * The version table: one row per applied head, `alembic_version` layout (`version_num varchar(32)`
 * primary key) so that a database Alembic managed keeps working.
 */
export class VersionTable {
  constructor(
    readonly impl: DialectImpl,
    readonly name: string,
  ) {}

  async exists(db: Kysely<any>): Promise<boolean> {
    const tables = await introspector(this.impl.name).getTables(db, { tables: [this.name] });
    return tables.length > 0;
  }

  createStatements(): string[] {
    return this.impl.createVersionTable(this.name);
  }

  async create(db: Kysely<any>): Promise<void> {
    for (const s of this.createStatements()) await db.executeQuery(CompiledQuery.raw(s));
  }

  async heads(db: Kysely<any>): Promise<string[]> {
    const rows = await sql<{ version_num: string }>`SELECT version_num FROM ${sql.table(this.name)}`.execute(
      db,
    );
    return rows.rows.map((r) => r.version_num);
  }

  /** The statements for one step's version change, compiled with literal values. */
  changeStatements(change: VersionChange): string[] {
    const c = this.impl.compiler;
    const lit = (v: string) => sql.lit(v);
    switch (change.kind) {
      case 'insert':
        return [
          c
            .insertInto(this.name)
            .values({ version_num: lit(change.to!) })
            .compile().sql,
        ];
      case 'update':
        return [
          c
            .updateTable(this.name)
            .set({ version_num: lit(change.to!) })
            .where('version_num', '=', lit(change.from!))
            .compile().sql,
        ];
      default:
        return [c.deleteFrom(this.name).where('version_num', '=', lit(change.from!)).compile().sql];
    }
  }

  dropStatements(): string[] {
    return this.impl.dropTable(this.name);
  }
}
