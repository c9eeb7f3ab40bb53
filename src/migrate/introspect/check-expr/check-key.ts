import { type CheckNode, canonicalNumber, isLiteral } from './check-node.js';

/**
 * A canonical text of the tree: equal for two expressions every database treats alike after the
 * rewritings compare.ts lists. AND/OR are flattened and their operands sorted, IN lists are sets (one value:
 * `=`), BETWEEN is PostgreSQL's pair of comparisons, a number is compared as one wherever it is
 * spelt as a string (PostgreSQL writes `qty > '5'` as `qty > 5`), TRUE/FALSE as MariaDB's 1/0.
 */
export function checkKey(n: CheckNode): string {
  switch (n.t) {
    case 'col':
      return `c:${JSON.stringify(n.name.toLowerCase())}`;
    case 'num':
      return `n:${n.text}`;
    case 'str': {
      const number = canonicalNumber(n.value.trim());
      if (number !== undefined) return `n:${number}`;
      if (/^(true|false)$/i.test(n.value)) return n.value.toLowerCase() === 'true' ? 'n:1' : 'n:0';
      return `s:${JSON.stringify(n.value)}`;
    }
    case 'bool':
      return n.value ? 'n:1' : 'n:0';
    case 'null':
      return 'null';
    case 'fn':
      return `f:${n.name}(${n.args.map(checkKey).join(',')})`;
    case 'not': {
      // NOT (x IN …) is x NOT IN …, as MariaDB writes it; likewise IS NULL, LIKE, BETWEEN.
      const e = n.e;
      if (e.t === 'in' || e.t === 'is_null' || e.t === 'between') return checkKey({ ...e, not: !e.not });
      if (e.t === 'bin' && (e.op === 'like' || e.op === 'not like')) {
        return checkKey({ ...e, op: e.op === 'like' ? 'not like' : 'like' });
      }
      return `not(${checkKey(e)})`;
    }
    case 'neg':
      return `neg(${checkKey(n.e)})`;
    case 'bin':
      return `(${checkKey(n.l)} ${n.op} ${checkKey(n.r)})`;
    case 'is_null':
      return `(${checkKey(n.e)} is${n.not ? ' not' : ''} null)`;
    case 'in': {
      const values = [...new Set(n.values.map(checkKey))].sort();
      if (values.length === 1) return `(${checkKey(n.e)} ${n.not ? '<>' : '='} ${values[0]})`;
      return `(${checkKey(n.e)} ${n.not ? 'not in' : 'in'} [${values.join(',')}])`;
    }
    case 'between':
    case 'logic': {
      const op = n.t === 'logic' ? n.op : n.not ? 'or' : 'and';
      return `${op}[${[...new Set(operands(n, op).map(checkKey))].sort().join(',')}]`;
    }
    case 'array':
      return `[${n.items.map(checkKey).join(',')}]`;
  }
}

/** The operands of an AND (or OR) chain, nested chains (and BETWEEN's two comparisons) included. */
export function operands(n: CheckNode, op: 'and' | 'or', between = true): CheckNode[] {
  if (n.t === 'logic' && n.op === op) return n.items.flatMap((i) => operands(i, op, between));
  if (between && n.t === 'between' && (n.not ? 'or' : 'and') === op) {
    return n.not
      ? [
          { t: 'bin', op: '<', l: n.e, r: n.lo },
          { t: 'bin', op: '>', l: n.e, r: n.hi },
        ]
      : [
          { t: 'bin', op: '>=', l: n.e, r: n.lo },
          { t: 'bin', op: '<=', l: n.e, r: n.hi },
        ];
  }
  return [n];
}

/** An IN list of literals (or `=` one literal) on one column: what `oneOf` declares. */
export function valueList(n: CheckNode): { column: string; values: CheckNode[] } | undefined {
  if (n.t === 'in' && !n.not && n.e.t === 'col') return { column: n.e.name, values: n.values };
  if (n.t === 'bin' && n.op === '=' && n.l.t === 'col' && isLiteral(n.r)) {
    return { column: n.l.name, values: [n.r] };
  }
  return undefined;
}
