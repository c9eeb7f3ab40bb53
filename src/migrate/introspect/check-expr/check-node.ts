/** The expression tree both sides of a CHECK comparison are parsed into (see compare.ts). */

export type CheckNode =
  | { t: 'col'; name: string }
  /** A number in one spelling: no leading or trailing zeros (`0.5`, `-1`, `2`). */
  | { t: 'num'; text: string }
  | { t: 'str'; value: string }
  | { t: 'bool'; value: boolean }
  | { t: 'null' }
  | { t: 'fn'; name: string; args: CheckNode[] }
  | { t: 'not'; e: CheckNode }
  | { t: 'neg'; e: CheckNode }
  | { t: 'logic'; op: 'and' | 'or'; items: CheckNode[] }
  /** Comparisons (`=`, `<>`, `<`, …, `like`, `not like`) and arithmetic (`+ - * / %`). */
  | { t: 'bin'; op: string; l: CheckNode; r: CheckNode }
  | { t: 'is_null'; e: CheckNode; not: boolean }
  | { t: 'in'; e: CheckNode; values: CheckNode[]; not: boolean }
  | { t: 'between'; e: CheckNode; lo: CheckNode; hi: CheckNode; not: boolean }
  /** PostgreSQL's ARRAY[…], only as the operand of `= ANY` / `<> ALL`. */
  | { t: 'array'; items: CheckNode[] };

export interface ParsedCheck {
  node: CheckNode;
  /** A function call: MariaDB and PostgreSQL rename some. */
  functions: boolean;
  /** A NOT of its own (not NOT IN / NOT LIKE / NOT BETWEEN / IS NOT NULL): MariaDB rewrites it. */
  not: boolean;
  /** A literal PostgreSQL re-spelt in a type of its own (`'2020-01-01'::date`). */
  coerced: boolean;
  /** A PostgreSQL cast of a non-literal dropped that may matter (`(qty / 3)::numeric`). */
  lossyCast: boolean;
}

export class Unsupported extends Error {}

export function children(n: CheckNode): CheckNode[] {
  switch (n.t) {
    case 'fn':
      return n.args;
    case 'not':
    case 'neg':
    case 'is_null':
      return [n.e];
    case 'logic':
      return n.items;
    case 'bin':
      return [n.l, n.r];
    case 'in':
      return [n.e, ...n.values];
    case 'between':
      return [n.e, n.lo, n.hi];
    case 'array':
      return n.items;
    default:
      return [];
  }
}

export function isLiteral(n: CheckNode): boolean {
  return n.t === 'num' || n.t === 'str' || n.t === 'bool' || n.t === 'null';
}

/** `1.50` → `1.5`, `05` → `5`, `.5` → `0.5`, `-0` → `0`; undefined for anything but a plain decimal. */
export function canonicalNumber(text: string): string | undefined {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && !m[3])) return undefined;
  const int = m[2]!.replace(/^0+/, '') || '0';
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  const abs = fraction ? `${int}.${fraction}` : int;
  return m[1] && abs !== '0' ? `-${abs}` : abs;
}
