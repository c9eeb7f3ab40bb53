import {
  parseCreateIndex,
  parseDropIndex,
  readColumnTerm,
  termHasOptions,
} from '../schema/index-statement.js';
import type { IndexDef, TableDef } from '../schema/types.js';

/**
 * Offline (`--sql`), the engine knows a table only from the operations that built it. A CREATE
 * INDEX or DROP INDEX that a revision wrote itself (`op.execute`: the partial and expression
 * indexes the portable vocabulary cannot declare) left that record unchanged, so a later SQLite
 * copy-and-move of the table lost the index in the script, while online the rebuild reads the
 * statement back from sqlite_master and runs it again. This reads such a statement into the
 * record the way SQLite's introspector reads the index back (introspect/sqlite.ts `readIndex`).
 *
 * Returns the table the statement changes, edited, or undefined when it is not one such
 * statement on a tracked table (anything else keeps the old behaviour: not tracked).
 */
export function applyRawIndexStatement(
  tables: ReadonlyMap<string, TableDef>,
  statement: string,
): TableDef | undefined {
  const text = statement.trim().replace(/[\s;]+$/, '');
  // One statement only: a script of several is not read (a ';' in a literal is skipped too).
  if (text.includes(';')) return undefined;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase(); // SQLite's names
  const owner = (index: string) =>
    [...tables.values()].find((t) => (t.indexes ?? []).some((i) => same(i.name, index)));

  const drop = parseDropIndex(text);
  if (drop) {
    const t = owner(drop.name);
    if (!t) return undefined;
    return { ...structuredClone(t), indexes: (t.indexes ?? []).filter((i) => !same(i.name, drop.name)) };
  }

  const create = parseCreateIndex(text);
  if (!create) return undefined;
  const t = [...tables.values()].find((x) => same(x.name, create.table));
  // An index of that name already exists: IF NOT EXISTS does nothing, and without it the statement fails.
  if (!t || owner(create.name)) return undefined;
  const read = create.terms.map(readColumnTerm);
  const named = read.map((term) => term?.column);
  const index: IndexDef = {
    name: create.name,
    // A column as the table declares it, as pragma_index_info reports it; an expression as written.
    columns: named.map(
      (c, i) => (c && t.columns.find((x) => same(x.name, c))?.name) ?? c ?? create.terms[i]!,
    ),
    unique: create.unique,
  };
  const expression = named.some((c) => c === undefined);
  if (expression) index.expression = true;
  // `email COLLATE NOCASE DESC`: rebuilt from the column name it would lose both.
  const termOptions = read.some((term) => term !== undefined && termHasOptions(term));
  if (termOptions) index.termOptions = true;
  if (create.where !== undefined) index.where = create.where;
  // Only these are run again as written; a plain index is rebuilt from its columns, as online.
  if (expression || termOptions || create.where !== undefined) index.definition = text;
  return { ...structuredClone(t), indexes: [...(t.indexes ?? []), index] };
}
