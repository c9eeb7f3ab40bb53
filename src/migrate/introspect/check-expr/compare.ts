import type { DialectName } from '../../ddl/dialect-impl.js';
import { checkKey, valueList } from './check-key.js';
import { type CheckNode, type ParsedCheck, Unsupported } from './check-node.js';
import { parseCheck } from './parser.js';
import { displayLiteral, printNode } from './print.js';

/**
 * CHECK expressions compared across each database's rewriting of them.
 *
 * A model's `status IN ('a', 'b')` comes back from PostgreSQL as
 * `((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))`, from
 * MariaDB as `` `status` in ('a','b') `` and from SQLite as written. Both sides are parsed into one
 * small expression tree — identifiers without quotes or case, PostgreSQL's casts dropped, `= ANY
 * (ARRAY[…])` read as IN, BETWEEN as the two comparisons PostgreSQL makes of it, AND/OR chains
 * flattened and unordered, IN lists as sets — and the trees compared.
 *
 * The grammar is deliberately small, and a difference is reported only where each database is
 * known to keep what the model wrote up to those rewritings (the autogenerate suite checks each
 * construct on every dialect): comparisons, AND/OR, IS [NOT] NULL, [NOT] IN, [NOT] LIKE,
 * [NOT] BETWEEN, arithmetic, literals. Beyond that, a difference is never reported:
 *
 * - function calls on MariaDB and PostgreSQL (MariaDB writes `length` as `octet_length` and
 *   `lower` as `lcase`, PostgreSQL `trim(x)` as `TRIM(BOTH FROM x)`);
 * - NOT on MariaDB (it writes `NOT (a > 0)` as `` `a` <= 0 ``, `NOT done` as `` `done` = 0 ``);
 * - a literal PostgreSQL re-spelt in a type of its own (`'2020-1-1'` reads `'2020-01-01'::date`);
 * - backslashes in MariaDB string literals, double quotes there (a string, not a name), backquotes
 *   on PostgreSQL; anything else the grammar does not know.
 *
 * SQLite keeps the text as written, so there every expression the grammar reads is compared.
 *
 * Why a parser of our own: node-sql-parser 5.4 reads all three spellings (tried on PostgreSQL's
 * `= ANY (ARRAY[…])` and casts, MariaDB's backquotes), but it installs 89 MB of 30-odd dialect
 * builds for this one comparison, and its trees differ by dialect (a column is a string on one, an
 * object on another), so the normalising of check-key.ts would still be needed. The subset CHECKs use is
 * small, and whatever falls outside it is simply not compared.
 */

/** Whether the database keeps this expression up to the rewritings the tree undoes (see above). */
function reliable(p: ParsedCheck, dialect: DialectName): boolean {
  if (dialect === 'sqlite') return true;
  if (p.functions || p.coerced) return false;
  return !(p.not && dialect === 'mysql');
}

export type CheckComparison =
  | { kind: 'same' }
  /** Either side outside what can be compared reliably on this dialect: never reported. */
  | { kind: 'unknown' }
  | {
      kind: 'changed';
      /** Both sides a list of values for the same column: the values each side lacks. */
      values?: { added: string[]; removed: string[] };
    };

/** The model's CHECK expression against the database's (as the introspector reads it). */
export function compareCheckExpressions(model: string, db: string, dialect: DialectName): CheckComparison {
  const m = parseCheck(model, dialect);
  const d = parseCheck(db, dialect);
  if (!m || !d) return { kind: 'unknown' };
  if (checkKey(m.node) === checkKey(d.node)) return { kind: 'same' };
  if (!reliable(m, dialect) || !reliable(d, dialect)) return { kind: 'unknown' };
  const ml = valueList(m.node);
  const dl = valueList(d.node);
  if (!ml || !dl || ml.column.toLowerCase() !== dl.column.toLowerCase()) return { kind: 'changed' };
  const keys = (list: CheckNode[]) => new Set(list.map(checkKey));
  const missing = (from: CheckNode[], other: Set<string>) => {
    const seen = new Set<string>();
    return from.filter((v) => {
      const k = checkKey(v);
      if (other.has(k) || seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  };
  return {
    kind: 'changed',
    values: {
      added: missing(ml.values, keys(dl.values)).map(displayLiteral),
      removed: missing(dl.values, keys(ml.values)).map(displayLiteral),
    },
  };
}

/**
 * The database's expression in a spelling every dialect reads (no casts, no backquotes), for a
 * downgrade that restores it; undefined when no such spelling is certain: a cast that may matter,
 * a name that needs quoting, a backslash in a string.
 */
export function portableCheckExpression(expr: string, dialect: DialectName): string | undefined {
  const p = parseCheck(expr, dialect);
  return p ? portableSpelling(p) : undefined;
}

/** `portableCheckExpression` of an expression already parsed. */
export function portableSpelling(p: ParsedCheck): string | undefined {
  if (p.lossyCast || p.coerced) return undefined;
  try {
    return printNode(p.node);
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/** The portable spelling of a list of values for one column (what `oneOf` declares), else undefined. */
export function portableValueList(expr: string, dialect: DialectName): string | undefined {
  const p = parseCheck(expr, dialect);
  return p && valueList(p.node) ? portableCheckExpression(expr, dialect) : undefined;
}
