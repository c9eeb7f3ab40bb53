import type { ForeignKeyDef, TableDef } from '../schema/types.js';
import type { DiffOp } from './diff-ops.js';

export interface TableOrder {
  /** Referenced tables before the tables that reference them. */
  order: TableDef[];
  /**
   * Foreign keys that close a cycle among the given tables (a → b → a). No creation order works
   * for those: the tables are created without them and the keys added afterwards.
   */
  deferred: { table: string; fk: ForeignKeyDef }[];
}

/**
 * Foreign-key dependency order, layer by layer: first every table that references none of the
 * others, in name order, then every table that references only those, and so on. This is the order
 * SQLAlchemy's `sorted_tables` gives Alembic (products, users, then notifications, nutrition, …),
 * so the output is deterministic and reads like Alembic's. References to tables outside the set
 * (existing tables) and to the table itself do not constrain the order.
 */
export function orderByDependency(tables: readonly TableDef[]): TableOrder {
  const names = new Set(tables.map((t) => t.name));
  const deps = new Map<string, Set<string>>();
  for (const t of tables) {
    const d = new Set<string>();
    for (const fk of t.foreignKeys ?? []) {
      const target = fk.references.table;
      if (target !== t.name && names.has(target)) d.add(target);
    }
    deps.set(t.name, d);
  }
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const order: TableDef[] = [];
  const deferred: TableOrder['deferred'] = [];
  let remaining = [...names].sort();
  while (remaining.length) {
    let layer = remaining.filter((n) => [...deps.get(n)!].every((d) => done.has(d)));
    if (layer.length === 0) {
      // A cycle: take the first table by name and defer its keys to the tables not yet created.
      const first = remaining[0]!;
      const t = byName.get(first)!;
      for (const fk of t.foreignKeys ?? []) {
        const target = fk.references.table;
        if (target !== first && names.has(target) && !done.has(target)) deferred.push({ table: first, fk });
      }
      layer = [first];
    }
    for (const n of layer) {
      done.add(n);
      order.push(byName.get(n)!);
    }
    remaining = remaining.filter((n) => !done.has(n));
  }
  return { order, deferred };
}

/**
 * Per-table sections run in name order, but a foreign key can depend on another table's section:
 * a new key on `a` referencing a column `b` adds (or makes unique) must wait for `b`'s section, and
 * a key `b` drops must go before `a` drops or changes the column it references. Only those keys
 * move — to the end, or the start, of the referenced table's section.
 */
export function orderAcrossTables(
  sections: { name: string; ops: DiffOp[] }[],
): { name: string; ops: DiffOp[] }[] {
  const position = new Map(sections.map((s, i) => [s.name.toLowerCase(), i]));
  const touches = (ops: DiffOp[], columns: string[]) => {
    const cols = new Set(columns.map((c) => c.toLowerCase()));
    const any = (list: string[]) => list.some((c) => cols.has(c.toLowerCase()));
    return ops.some((o) => {
      switch (o.kind) {
        case 'add_column':
        case 'remove_column':
          return any([o.column.name]);
        case 'alter_column':
          return any([o.to.name]);
        case 'add_unique':
        case 'remove_unique':
          return any(o.unique.columns);
        case 'add_index':
        case 'remove_index':
          return any(o.index.columns);
        default:
          return false;
      }
    });
  };
  const out = sections.map((s) => ({ name: s.name, ops: [...s.ops] }));
  const before = new Map<number, DiffOp[]>();
  const after = new Map<number, DiffOp[]>();
  out.forEach((section, i) => {
    section.ops = section.ops.filter((op) => {
      if (op.kind !== 'add_fk' && op.kind !== 'remove_fk') return true;
      const j = position.get(op.fk.references.table.toLowerCase());
      if (j === undefined || j === i) return true;
      const target = sections[j]!.ops;
      if (!touches(target, op.fk.references.columns)) return true;
      if (op.kind === 'add_fk' && j > i) after.set(j, [...(after.get(j) ?? []), op]);
      else if (op.kind === 'remove_fk' && j < i) before.set(j, [...(before.get(j) ?? []), op]);
      else return true;
      return false;
    });
  });
  return out.map((s, i) => ({
    name: s.name,
    ops: [...(before.get(i) ?? []), ...s.ops, ...(after.get(i) ?? [])],
  }));
}
