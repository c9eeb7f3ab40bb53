import type { DialectName } from '../ddl/dialect-impl.js';
import { dialectImpl } from '../ddl/index.js';
import { compareCheckExpressions } from '../introspect/check-expr/compare.js';
import type { CheckDef, ForeignKeyDef, IndexDef, TableDef, UniqueDef } from '../schema/types.js';
import type { CompareResult } from './compare.js';
import { effectiveAction } from './dialect-rules.js';
import type { ChangeCheckOp } from './diff-ops.js';
import { addedIndexMessage, columnList, pyBool, pyTuple } from './messages.js';
import { restoredCheck } from './restored-checks.js';

// The table-level half of the comparison: indexes, unique constraints, foreign keys, CHECKs.

/** An index or a unique constraint: the two share one namespace in the comparison, as in Alembic. */
type Keyed = { kind: 'index'; def: IndexDef } | { kind: 'unique'; def: UniqueDef };

export function compareIndexesAndUniques(m: TableDef, d: TableDef, out: CompareResult): void {
  const collect = (t: TableDef, indexes: IndexDef[]) => {
    const map = new Map<string, Keyed>();
    for (const u of t.uniqueConstraints ?? []) map.set(u.name.toLowerCase(), { kind: 'unique', def: u });
    // Index names are compared without case: MySQL ignores it, and folding costs nothing elsewhere.
    for (const i of indexes) map.set(i.name.toLowerCase(), { kind: 'index', def: i });
    return map;
  };
  const model = collect(m, m.indexes ?? []);
  const db = collect(d, comparableIndexes(m, d, out));
  const table = m.name;
  const add = (k: Keyed) =>
    out.ops.push(
      k.kind === 'index'
        ? { kind: 'add_index', table, index: { ...k.def, unique: !!k.def.unique } }
        : { kind: 'add_unique', table, unique: k.def },
    );
  const remove = (k: Keyed) =>
    out.ops.push(
      k.kind === 'index'
        ? { kind: 'remove_index', table, index: { ...k.def, unique: !!k.def.unique } }
        : { kind: 'remove_unique', table, unique: k.def },
    );
  const names = (map: Map<string, Keyed>) => [...map.keys()].sort();

  for (const key of names(model)) {
    if (db.has(key)) continue;
    const k = model.get(key)!;
    add(k);
    out.detected.push(
      k.kind === 'index'
        ? addedIndexMessage(k.def)
        : `Detected added unique constraint '${k.def.name}' on ${columnList(k.def.columns)}`,
    );
  }
  for (const key of names(model)) {
    const mk = model.get(key)!;
    const dk = db.get(key);
    if (!dk) continue;
    const mUnique = mk.kind === 'unique' || !!mk.def.unique;
    const dUnique = dk.kind === 'unique' || !!dk.def.unique;
    const why: string[] = [];
    if (mk.kind !== dk.kind) why.push(` ${dk.kind} to ${mk.kind}`);
    else if (mUnique !== dUnique) why.push(` unique=${pyBool(dUnique)} to unique=${pyBool(mUnique)}`);
    if (!sameColumns(mk.def.columns, dk.def.columns)) {
      why.push(` columns ${pyTuple(dk.def.columns)} to ${pyTuple(mk.def.columns)}`);
    }
    if (!why.length) continue;
    // Neither an index nor a constraint can be altered: drop the old one, create the new one.
    remove(dk);
    add(mk);
    const what = dk.kind === 'index' ? 'index' : 'unique constraint';
    out.detected.push(`Detected changed ${what} '${dk.def.name}' on '${table}':${why.join(',')}`);
  }
  for (const key of names(db)) {
    if (model.has(key)) continue;
    const k = db.get(key)!;
    remove(k);
    const last = out.ops[out.ops.length - 1]!;
    if (last.kind === 'remove_index' || last.kind === 'remove_unique') {
      last.neededBy = foreignKeyNeeding(k.def.columns, m);
    }
    out.detected.push(
      `Detected removed ${k.kind === 'index' ? 'index' : 'unique constraint'} '${k.def.name}' on '${table}'`,
    );
  }
}

/**
 * The database's indexes that can be compared with the models. An expression index (`lower(email)`)
 * cannot: its terms are not columns, and the models declare none. Alembic skips such indexes with a
 * warning ("autogenerate skipping … expression-based index"); proposing to drop it wrote a
 * downgrade `op.createIndex(…, [null])` that cannot run, and `check` reported it for ever. A
 * partial index the models do not declare is skipped the same way, as its WHERE clause cannot be
 * declared either: dropped, its downgrade would come back as a full index. One they declare by
 * name is compared on its columns and uniqueness alone.
 */
function comparableIndexes(m: TableDef, d: TableDef, out: CompareResult): IndexDef[] {
  const declared = new Set((m.indexes ?? []).map((i) => i.name.toLowerCase()));
  return (d.indexes ?? []).filter((i) => {
    if (i.expression) {
      out.skipped.push(
        `autogenerate skipping expression-based index '${i.name}' on '${d.name}' (${i.columns.join(', ')}): expressions cannot be compared with the models`,
      );
      return false;
    }
    if (i.where !== undefined && !declared.has(i.name.toLowerCase())) {
      out.skipped.push(
        `autogenerate skipping partial index '${i.name}' on '${d.name}' (WHERE ${i.where}): the models cannot declare a WHERE clause`,
      );
      return false;
    }
    return true;
  });
}

/**
 * The model's foreign key, if any, that relies on an index over `columns` being dropped: InnoDB
 * needs an index whose leading columns are the key's, and refuses to drop the last one
 * ("needed in a foreign key constraint"); op.dropIndex then drops the key and creates it again
 * there (ddl/mysql.ts), which is worth a warning. Another index the model keeps, or the primary
 * key, will do.
 */
function foreignKeyNeeding(columns: string[], m: TableDef): string | undefined {
  const leads = (cols: string[], key: string[]) =>
    key.length <= cols.length && key.every((c, i) => c.toLowerCase() === cols[i]!.toLowerCase());
  const kept = [
    ...(m.indexes ?? []).map((i) => i.columns),
    ...(m.uniqueConstraints ?? []).map((u) => u.columns),
    m.primaryKey?.columns ?? [],
  ];
  const fk = (m.foreignKeys ?? []).find(
    (f) => leads(columns, f.columns) && !kept.some((cols) => leads(cols, f.columns)),
  );
  return fk?.name;
}

/**
 * Foreign keys are matched by what they do — columns, target, ON DELETE/ON UPDATE — not by name
 * (SQLite keeps no names of its own; Alembic matches the same way). A changed key is a removed one
 * plus an added one.
 */
export function compareForeignKeys(
  m: TableDef,
  d: TableDef,
  dialect: DialectName,
): { added: ForeignKeyDef[]; removed: ForeignKeyDef[] } {
  const sig = (fk: ForeignKeyDef) =>
    JSON.stringify([
      fk.columns.map((c) => c.toLowerCase()),
      fk.references.table.toLowerCase(),
      fk.references.columns.map((c) => c.toLowerCase()),
      effectiveAction(fk.onDelete, dialect) ?? null,
      effectiveAction(fk.onUpdate, dialect) ?? null,
    ]);
  const modelSigs = new Set((m.foreignKeys ?? []).map(sig));
  const dbSigs = new Set((d.foreignKeys ?? []).map(sig));
  return {
    removed: (d.foreignKeys ?? []).filter((fk) => !modelSigs.has(sig(fk))),
    added: (m.foreignKeys ?? []).filter((fk) => !dbSigs.has(sig(fk))),
  };
}

/**
 * CHECK constraints are matched by name; one under the same name whose expression changed is
 * dropped and created again. Each database hands back its own rewriting of the expression —
 * PostgreSQL's `((status)::text = ANY ((ARRAY['a'::character varying, …` for `status IN ('a', …)`,
 * MariaDB's backquotes — so both sides are compared as expression trees (introspect/check-expr/), and a
 * difference is reported only where the dialect is known to keep the model's expression up to
 * those rewritings; anything else is never reported (Alembic does not compare CHECK constraints
 * at all).
 */
export function compareChecks(m: TableDef, d: TableDef, dialect: DialectName, out: CompareResult): void {
  const byName = (list: CheckDef[] | undefined) =>
    new Map((list ?? []).map((c) => [c.name.toLowerCase(), c]));
  const model = byName(m.checks);
  const db = byName(d.checks);
  const impl = dialectImpl(dialect);
  const sorted = (map: Map<string, CheckDef>) => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, c] of sorted(db)) {
    if (model.has(key)) continue;
    const restored = restoredCheck(c, d, dialect);
    out.ops.push({
      kind: 'remove_check',
      table: m.name,
      check: restored.check,
      ...(restored.portable ? {} : { catalogueSpelling: true }),
    });
    out.detected.push(`Detected removed check constraint '${c.name}' on '${m.name}'`);
  }
  for (const [key, c] of sorted(model)) {
    const old = db.get(key);
    if (!old) continue;
    // Both as the DDL writes them here: the model's, and the database's where the introspector
    // spelt it in the standard way (MariaDB's backquotes and backslashes).
    const diff = compareCheckExpressions(impl.checkSql(c.expr), impl.checkSql(old.expr), dialect);
    if (diff.kind !== 'changed') continue;
    // The database's expression, for the downgrade, as a removed check's is restored: spelt
    // portably where that is certain, else as the catalogue spells it (and the revision says so).
    const restored = restoredCheck(old, d, dialect);
    const op: ChangeCheckOp = { kind: 'change_check', table: m.name, from: restored.check, to: c };
    if (diff.values) op.values = diff.values;
    if (!restored.portable) op.catalogueSpelling = true;
    out.ops.push(op);
    const what = diff.values
      ? [
          diff.values.added.length ? `added value(s) ${diff.values.added.join(', ')}` : '',
          diff.values.removed.length ? `removed value(s) ${diff.values.removed.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ')
      : `${op.from.expr} to ${c.expr}`;
    out.detected.push(`Detected changed check constraint '${c.name}' on '${m.name}': ${what}`);
  }
  for (const [key, c] of sorted(model)) {
    if (db.has(key)) continue;
    out.ops.push({ kind: 'add_check', table: m.name, check: c });
    out.detected.push(`Detected added check constraint '${c.name}' on '${m.name}'`);
  }
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c, i) => c.toLowerCase() === b[i]!.toLowerCase());
}
