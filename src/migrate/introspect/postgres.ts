import { type Kysely, sql } from 'kysely';
import type { ColumnDef, ForeignKeyDef, IndexDef, TableDef } from '../schema/types.js';
import { groupBy } from './group-by.js';
import type { Introspector } from './introspector.js';
import { portableAction, portableCheck, portableDefault, portableType } from './normalize.js';

/** PostgreSQL: four catalogue queries over the current schema. */
export class PostgresIntrospector implements Introspector {
  async getTables(db: Kysely<any>, options: { tables?: string[] } = {}): Promise<TableDef[]> {
    const only = options.tables;
    const f = (col: string) => (only?.length ? sql` AND ${sql.ref(col)} IN (${sql.join(only)})` : sql``);
    const tables = await sql<{ name: string }>`
      SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')${f('c.relname')} ORDER BY c.relname`.execute(
      db,
    );
    const cols = await sql<{
      tbl: string;
      name: string;
      type: string;
      notnull: boolean;
      dflt: string | null;
      identity: string;
      collation: string | null;
    }>`SELECT c.relname AS tbl, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
              a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity AS identity,
              co.collname AS collation
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       JOIN pg_type ty ON ty.oid = a.atttypid
       -- Only a collation of the column's own: not the one its type has by default.
       LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> ty.typcollation
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped${f('c.relname')}
       ORDER BY c.relname, a.attnum`.execute(db);
    const cons = await sql<{
      tbl: string;
      name: string;
      type: string;
      cols: string[];
      ref_table: string | null;
      ref_cols: string[] | null;
      del: string;
      upd: string;
      def: string;
    }>`SELECT c.relname AS tbl, con.conname AS name, con.contype AS type,
              ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS cols,
              rc.relname AS ref_table,
              ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS ref_cols,
              con.confdeltype AS del, con.confupdtype AS upd, pg_get_constraintdef(con.oid) AS def
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class rc ON rc.oid = con.confrelid
       WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c')${f('c.relname')}
       ORDER BY c.relname, con.conname`.execute(db);
    const idx = await sql<{
      tbl: string;
      name: string;
      unique: boolean;
      cols: string[];
      terms: string[] | null;
      predicate: string | null;
      constraint: boolean;
    }>`
      SELECT t.relname AS tbl, i.relname AS name, ix.indisunique AS unique,
             ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(n, o)
                   JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS cols,
             -- An expression term has attnum 0 in indkey, so no column above: its text instead.
             CASE WHEN ix.indexprs IS NOT NULL THEN
               ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true)
                     FROM generate_series(1, ix.indnkeyatts) k ORDER BY k)::text[] END AS terms,
             pg_get_expr(ix.indpred, ix.indrelid, true) AS predicate,
             EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid
                     AND con.contype IN ('p', 'u', 'x')) AS constraint
      FROM pg_index ix
      JOIN pg_class i ON i.oid = ix.indexrelid
      JOIN pg_class t ON t.oid = ix.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema()${f('t.relname')}
      ORDER BY t.relname, i.relname`.execute(db);

    const out = new Map<string, TableDef>();
    for (const t of tables.rows) {
      out.set(t.name, {
        name: t.name,
        columns: [],
        uniqueConstraints: [],
        foreignKeys: [],
        checks: [],
        indexes: [],
      });
    }
    for (const c of cols.rows) {
      const t = out.get(c.tbl);
      if (!t) continue;
      const type = portableType(c.type, 'postgres');
      const col: ColumnDef = { name: c.name, type, nullable: !c.notnull };
      if (c.collation) col.collation = { postgres: c.collation };
      if (c.identity || c.dflt?.startsWith('nextval(')) col.autoIncrement = true;
      else {
        const def = portableDefault(c.dflt, type, 'postgres');
        if (def !== undefined) col.default = def;
      }
      t.columns.push(col);
    }
    for (const rows of groupBy(cons.rows, (r) => `${r.tbl}\u0000${r.name}`).values()) {
      const c = rows[0]!;
      const t = out.get(c.tbl);
      if (!t) continue;
      if (c.type === 'p') t.primaryKey = { name: c.name, columns: c.cols };
      else if (c.type === 'u') t.uniqueConstraints!.push({ name: c.name, columns: c.cols });
      else if (c.type === 'c') {
        const expr = /^CHECK \((.*)\)$/s.exec(c.def)?.[1] ?? c.def;
        t.checks!.push({ name: c.name, expr: portableCheck(expr, 'postgres') });
      } else {
        const fk: ForeignKeyDef = {
          name: c.name,
          columns: c.cols,
          references: { table: c.ref_table!, columns: c.ref_cols ?? [] },
        };
        const del = portableAction(c.del, 'postgres');
        const upd = portableAction(c.upd, 'postgres');
        if (del) fk.onDelete = del;
        if (upd) fk.onUpdate = upd;
        t.foreignKeys!.push(fk);
      }
    }
    for (const i of idx.rows) {
      if (i.constraint) continue;
      const index: IndexDef = { name: i.name, columns: i.cols, unique: i.unique };
      if (i.terms) {
        index.expression = true;
        index.columns = i.terms;
      }
      if (i.predicate !== null) index.where = i.predicate;
      out.get(i.tbl)?.indexes?.push(index);
    }
    return [...out.values()];
  }
}
