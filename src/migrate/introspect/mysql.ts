import { type Kysely, sql } from 'kysely';
import type { ColumnDef, ForeignKeyDef, IndexDef, TableDef } from '../schema/types.js';
import { groupBy } from './group-by.js';
import type { Introspector } from './introspector.js';
import { portableAction, portableCheck, portableDefault, portableType } from './normalize.js';

/** MySQL / MariaDB: five information_schema queries for the whole database. */
export class MysqlIntrospector implements Introspector {
  /**
   * The tables of the database that have a foreign key of their own, in lower case (MySQL folds
   * table names on some systems): one light catalogue query, where reading a table's whole shape
   * takes five.
   */
  async tablesWithForeignKeys(db: Kysely<any>): Promise<Set<string>> {
    const { rows } = await sql<{ name: string }>`
      SELECT DISTINCT table_name AS name FROM information_schema.referential_constraints
      WHERE constraint_schema = DATABASE()`.execute(db);
    return new Set(rows.map((r) => r.name.toLowerCase()));
  }

  async getTables(db: Kysely<any>, options: { tables?: string[] } = {}): Promise<TableDef[]> {
    const only = options.tables;
    const f = (col: string) => (only?.length ? sql` AND ${sql.ref(col)} IN (${sql.join(only)})` : sql``);
    const tables = await sql<{ name: string; collation: string | null }>`
      SELECT table_name AS name, table_collation AS collation FROM information_schema.tables
      WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'${f('table_name')} ORDER BY table_name`.execute(
      db,
    );
    const cols = await sql<{
      tbl: string;
      name: string;
      column_type: string;
      is_nullable: string;
      column_default: string | null;
      extra: string;
      collation: string | null;
    }>`SELECT table_name AS tbl, column_name AS name, column_type, is_nullable, column_default, extra,
              collation_name AS collation
       FROM information_schema.columns WHERE table_schema = DATABASE()${f('table_name')}
       ORDER BY table_name, ordinal_position`.execute(db);
    // MariaDB indexes columns only (a virtual column stands in for an expression); MySQL 8's
    // functional key parts have no column_name.
    const stats = await sql<{ tbl: string; name: string; non_unique: number; col: string | null }>`
      SELECT table_name AS tbl, index_name AS name, non_unique, column_name AS col
      FROM information_schema.statistics WHERE table_schema = DATABASE()${f('table_name')}
      ORDER BY table_name, index_name, seq_in_index`.execute(db);
    const cons = await sql<{
      tbl: string;
      name: string;
      type: string;
      col: string | null;
      ref_table: string | null;
      ref_col: string | null;
      delete_rule: string | null;
      update_rule: string | null;
    }>`SELECT tc.table_name AS tbl, tc.constraint_name AS name, tc.constraint_type AS type,
              k.column_name AS col, k.referenced_table_name AS ref_table, k.referenced_column_name AS ref_col,
              rc.delete_rule, rc.update_rule
       FROM information_schema.table_constraints tc
       LEFT JOIN information_schema.key_column_usage k
         ON k.constraint_schema = tc.constraint_schema AND k.table_name = tc.table_name
        AND k.constraint_name = tc.constraint_name
       LEFT JOIN information_schema.referential_constraints rc
         ON rc.constraint_schema = tc.constraint_schema AND rc.table_name = tc.table_name
        AND rc.constraint_name = tc.constraint_name
       WHERE tc.table_schema = DATABASE()${f('tc.table_name')}
       ORDER BY tc.table_name, tc.constraint_name, k.ordinal_position`.execute(db);
    // MariaDB names the table column in CHECK_CONSTRAINTS; MySQL 8 joins through TABLE_CONSTRAINTS.
    const checks = await sql<{ tbl: string; name: string; clause: string }>`
      SELECT tc.table_name AS tbl, cc.constraint_name AS name, cc.check_clause AS clause
      FROM information_schema.check_constraints cc
      JOIN information_schema.table_constraints tc
        ON tc.constraint_schema = cc.constraint_schema AND tc.constraint_name = cc.constraint_name
       AND tc.constraint_type = 'CHECK'
      WHERE cc.constraint_schema = DATABASE()${f('tc.table_name')}`.execute(db);

    const out = new Map<string, TableDef>();
    for (const t of tables.rows) {
      out.set(t.name, {
        name: t.name,
        columns: [],
        uniqueConstraints: [],
        foreignKeys: [],
        checks: [],
        indexes: [],
        ...(t.collation ? { defaultCollation: t.collation } : {}),
      });
    }
    for (const c of cols.rows) {
      const t = out.get(c.tbl);
      if (!t) continue;
      // ON UPDATE CURRENT_TIMESTAMP is part of the column's type as far as recreating it goes.
      const onUpdate = /on update \S+/i.exec(c.extra)?.[0];
      const type = portableType(onUpdate ? `${c.column_type} ${onUpdate}` : c.column_type, 'mysql');
      const col: ColumnDef = { name: c.name, type, nullable: c.is_nullable === 'YES' };
      const def = portableDefault(c.column_default, type, 'mysql');
      if (def !== undefined) col.default = def;
      if (/auto_increment/i.test(c.extra)) col.autoIncrement = true;
      // Every text column has one, the table's default included: dialect-rules tells them apart.
      if (c.collation) col.collation = { mysql: c.collation };
      t.columns.push(col);
    }
    const byCons = groupBy(cons.rows, (r) => `${r.tbl}\u0000${r.name}`);
    const constraintIndexes = new Set<string>();
    for (const rows of byCons.values()) {
      const first = rows[0]!;
      const t = out.get(first.tbl);
      if (!t) continue;
      const columns = rows.map((r) => r.col!).filter(Boolean);
      if (first.type === 'PRIMARY KEY') {
        t.primaryKey = { columns };
        constraintIndexes.add(`${first.tbl}\u0000PRIMARY`);
      } else if (first.type === 'UNIQUE') {
        t.uniqueConstraints!.push({ name: first.name, columns });
        constraintIndexes.add(`${first.tbl}\u0000${first.name}`);
      } else if (first.type === 'FOREIGN KEY') {
        const fk: ForeignKeyDef = {
          name: first.name,
          columns,
          references: { table: first.ref_table!, columns: rows.map((r) => r.ref_col!) },
        };
        const del = portableAction(first.delete_rule, 'mysql');
        const upd = portableAction(first.update_rule, 'mysql');
        if (del) fk.onDelete = del;
        if (upd) fk.onUpdate = upd;
        t.foreignKeys!.push(fk);
        // InnoDB creates an index named after the FK when none covers its columns: not ours to report.
        constraintIndexes.add(`${first.tbl}\u0000${first.name}`);
      }
    }
    for (const c of checks.rows)
      out.get(c.tbl)?.checks?.push({ name: c.name, expr: portableCheck(c.clause, 'mysql') });
    for (const [key, rows] of groupBy(stats.rows, (r) => `${r.tbl}\u0000${r.name}`)) {
      if (constraintIndexes.has(key)) continue;
      const first = rows[0]!;
      const index: IndexDef = {
        name: first.name,
        columns: rows.map((r) => r.col ?? '?'),
        unique: Number(first.non_unique) === 0,
      };
      if (rows.some((r) => r.col === null)) index.expression = true;
      out.get(first.tbl)?.indexes?.push(index);
    }
    return [...out.values()];
  }
}
