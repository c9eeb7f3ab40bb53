import { type Kysely, sql } from 'kysely';
import { parseCreateIndex, readColumnTerm, termHasOptions } from '../schema/index-statement.js';
import { constraintName } from '../schema/naming.js';
import type { CheckDef, ColumnDef, ForeignKeyDef, IndexDef, TableDef, UniqueDef } from '../schema/types.js';
import { groupBy } from './group-by.js';
import type { Introspector } from './introspector.js';
import { portableAction, portableDefault, portableType } from './normalize.js';
import { columnCollations } from './sqlite-collations.js';

/**
 * SQLite: four queries joining sqlite_master with the pragma table-valued functions. Constraint
 * names, which the pragmas do not report, are read from the stored CREATE TABLE text.
 */
export class SqliteIntrospector implements Introspector {
  async getTables(db: Kysely<any>, options: { tables?: string[] } = {}): Promise<TableDef[]> {
    const only = options.tables;
    const filter = only?.length ? sql` AND m.name IN (${sql.join(only)})` : sql``;
    const master = await sql<{ name: string; sql: string }>`
      SELECT m.name, m.sql FROM sqlite_master m
      WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'${filter} ORDER BY m.name`.execute(db);
    const cols = await sql<{
      tbl: string;
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
      hidden: number;
    }>`SELECT m.name AS tbl, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
       FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p
       WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'${filter} ORDER BY m.name, p.cid`.execute(db);
    // An expression term has no column name (NULL): its text, and a partial index's WHERE clause,
    // are read from the CREATE INDEX statement kept in sqlite_master.
    const idx = await sql<{
      tbl: string;
      name: string;
      unique: number;
      origin: string;
      partial: number;
      col: string | null;
      seqno: number;
      desc: number;
      coll: string | null;
      definition: string | null;
    }>`
      SELECT m.name AS tbl, il.name, il."unique", il.origin, il.partial, ii.name AS col, ii.seqno,
             ii."desc", ii.coll, mi.sql AS definition
      FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_xinfo(il.name) ii
      LEFT JOIN sqlite_master mi ON mi.type = 'index' AND mi.name = il.name
      WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'${filter} AND ii."key" = 1
      ORDER BY m.name, il.name, ii.seqno`.execute(db);
    const fks = await sql<{
      tbl: string;
      id: number;
      seq: number;
      table: string;
      from: string;
      to: string;
      on_update: string;
      on_delete: string;
    }>`SELECT m.name AS tbl, f.id, f.seq, f."table", f."from", f."to", f.on_update, f.on_delete
       FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
       WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'${filter} ORDER BY m.name, f.id, f.seq`.execute(
      db,
    );

    const tables = new Map<string, TableDef & { pkCols: { name: string; pos: number; rowid: boolean }[] }>();
    const named = new Map<string, ParsedConstraints>();
    const collations = new Map<string, Map<string, string>>();
    for (const t of master.rows) {
      tables.set(t.name, {
        name: t.name,
        columns: [],
        uniqueConstraints: [],
        foreignKeys: [],
        checks: [],
        indexes: [],
        pkCols: [],
      });
      named.set(t.name, parseConstraints(t.sql ?? ''));
      collations.set(t.name, columnCollations(t.sql ?? ''));
    }
    for (const c of cols.rows) {
      const t = tables.get(c.tbl);
      if (!t || c.hidden) continue;
      const type = portableType(c.type || 'text', 'sqlite');
      const col: ColumnDef = { name: c.name, type, nullable: c.notnull === 0 && c.pk === 0 };
      const def = portableDefault(c.dflt_value, type, 'sqlite');
      if (def !== undefined) col.default = def;
      const collation = collations.get(c.tbl)?.get(c.name.toLowerCase());
      if (collation) col.collation = { sqlite: collation };
      t.columns.push(col);
      if (c.pk > 0) t.pkCols.push({ name: c.name, pos: c.pk, rowid: /^integer$/i.test(c.type.trim()) });
    }
    const indexGroups = groupBy(idx.rows, (r) => `${r.tbl}\u0000${r.name}`);
    for (const rows of indexGroups.values()) {
      const first = rows[0]!;
      const t = tables.get(first.tbl);
      if (!t) continue;
      if (first.origin === 'pk') continue;
      if (first.origin === 'u') {
        const columns = rows.map((r) => r.col!);
        const name = named.get(first.tbl)?.uniques.find((u) => sameCols(u.columns, columns))?.name;
        t.uniqueConstraints!.push({ name: name ?? constraintName('uq', first.tbl, columns), columns });
        continue;
      }
      const declared = collations.get(first.tbl);
      t.indexes!.push(readIndex(rows, first.unique === 1, (c) => declared?.get(c.toLowerCase())));
    }
    const fkGroups = groupBy(fks.rows, (r) => `${r.tbl}\u0000${r.id}`);
    for (const rows of fkGroups.values()) {
      const first = rows[0]!;
      const t = tables.get(first.tbl);
      if (!t) continue;
      const columns = rows.map((r) => r.from);
      const name =
        named.get(first.tbl)?.foreignKeys.find((f) => sameCols(f.columns, columns))?.name ??
        constraintName('fk', first.tbl, [...columns, first.table]);
      const fk: ForeignKeyDef = {
        name,
        columns,
        references: { table: first.table, columns: rows.map((r) => r.to) },
      };
      const del = portableAction(first.on_delete, 'sqlite');
      const upd = portableAction(first.on_update, 'sqlite');
      if (del) fk.onDelete = del;
      if (upd) fk.onUpdate = upd;
      t.foreignKeys!.unshift(fk); // pragma lists the last declared first
    }
    const out: TableDef[] = [];
    for (const t of tables.values()) {
      const { pkCols, ...table } = t;
      if (pkCols.length) {
        table.primaryKey = {
          name: named.get(t.name)?.primaryKey,
          columns: pkCols.sort((a, b) => a.pos - b.pos).map((p) => p.name),
        };
        // A column declared exactly INTEGER PRIMARY KEY is SQLite's rowid: always assigned by the
        // database. An INT key (the engine's for a key without auto-increment) is not.
        if (pkCols.length === 1 && pkCols[0]!.rowid) {
          const c = table.columns.find((x) => x.name === pkCols[0]!.name);
          if (c) c.autoIncrement = true;
        }
      }
      table.checks = named.get(t.name)?.checks ?? [];
      out.push(table);
    }
    return out;
  }
}

/**
 * One index from its pragma rows. An expression or partial index keeps its statement, for
 * copy-and-move to run again, and its terms' text where SQLite reports no column; so does one
 * whose terms declare a collation or DESC, which its column names alone would not rebuild.
 */
function readIndex(
  rows: {
    name: string;
    col: string | null;
    partial: number;
    desc: number;
    coll: string | null;
    definition: string | null;
  }[],
  unique: boolean,
  columnCollation: (column: string) => string | undefined,
): IndexDef {
  const first = rows[0]!;
  const index: IndexDef = { name: first.name, columns: rows.map((r) => r.col ?? ''), unique };
  const expression = rows.some((r) => r.col === null);
  const parsed = first.definition ? parseCreateIndex(first.definition) : undefined;
  // pragma_index_xinfo reports the collation in use, the column's own when the term names none;
  // the statement tells an explicit COLLATE naming the column's own collation apart.
  const termOptions =
    rows.some(
      (r) =>
        r.desc === 1 ||
        (r.col !== null &&
          (r.coll ?? 'BINARY').toUpperCase() !== (columnCollation(r.col) ?? 'BINARY').toUpperCase()),
    ) ||
    (parsed?.terms ?? []).some((term) => {
      const t = readColumnTerm(term);
      return t !== undefined && termHasOptions(t);
    });
  if (!expression && !first.partial && !termOptions) return index;
  if (expression) {
    index.expression = true;
    index.columns = rows.map((r, i) => r.col ?? parsed?.terms[i] ?? '?');
  }
  if (termOptions) index.termOptions = true;
  if (first.partial && parsed?.where !== undefined) index.where = parsed.where;
  if (first.definition) index.definition = first.definition;
  return index;
}

interface ParsedConstraints {
  primaryKey?: string;
  uniques: UniqueDef[];
  foreignKeys: { name: string; columns: string[] }[];
  checks: CheckDef[];
}

const IDENT = String.raw`(?:"((?:[^"]|"")+)"|\x60([^\x60]+)\x60|\[([^\]]+)\]|(\w+))`;

/** Named table constraints from a CREATE TABLE statement. */
export function parseConstraints(createSql: string): ParsedConstraints {
  const out: ParsedConstraints = { uniques: [], foreignKeys: [], checks: [] };
  const re = new RegExp(
    String.raw`constraint\s+${IDENT}\s+(primary\s+key|unique|foreign\s+key|check)\s*\(`,
    'gi',
  );
  for (let m = re.exec(createSql); m; m = re.exec(createSql)) {
    const name = (m[1]?.replaceAll('""', '"') ?? m[2] ?? m[3] ?? m[4])!;
    const kind = m[5]!.toLowerCase().replace(/\s+/, ' ');
    const body = balanced(createSql, re.lastIndex - 1);
    if (kind === 'check') {
      out.checks.push({ name, expr: body.trim() });
      continue;
    }
    const columns = body.split(',').map((c) => unquote(c.trim()));
    if (kind === 'primary key') out.primaryKey = name;
    else if (kind === 'unique') out.uniques.push({ name, columns });
    else out.foreignKeys.push({ name, columns });
  }
  return out;
}

function balanced(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") {
      i = text.indexOf("'", i + 1);
      if (i < 0) break;
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

function unquote(id: string): string {
  const m = /^["`[](.*)["`\]]$/.exec(id);
  return m ? m[1]! : id;
}

function sameCols(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}
