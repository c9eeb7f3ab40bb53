import { operands } from './check-key.js';
import { type CheckNode, Unsupported } from './check-node.js';
import { KEYWORDS } from './tokenize.js';

const RESERVED = new Set([
  ...KEYWORDS,
  'array',
  'as',
  'asc',
  'both',
  'cast',
  'check',
  'column',
  'constraint',
  'create',
  'current_date',
  'current_time',
  'current_timestamp',
  'current_user',
  'default',
  'desc',
  'false',
  'for',
  'foreign',
  'group',
  'having',
  'index',
  'into',
  'key',
  'leading',
  'limit',
  'null',
  'offset',
  'on',
  'order',
  'primary',
  'references',
  'table',
  'to',
  'trailing',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'where',
  'with',
]);

/** A value of a list as a message shows it (a backslash as it is). */
export function displayLiteral(n: CheckNode): string {
  return n.t === 'str' ? `'${n.value.replaceAll("'", "''")}'` : printLiteral(n);
}

function printLiteral(n: CheckNode): string {
  switch (n.t) {
    case 'num':
      return n.text;
    case 'str':
      if (n.value.includes('\\')) throw new Unsupported('backslash');
      return `'${n.value.replaceAll("'", "''")}'`;
    case 'bool':
      return n.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
    default:
      throw new Unsupported('not a literal');
  }
}

/** Binding strength, loosest first: OR, AND, NOT, predicates, + -, * / %, unary minus, atoms. */
function precedence(n: CheckNode): number {
  switch (n.t) {
    case 'logic':
      return n.op === 'or' ? 1 : 2;
    case 'not':
      return 3;
    case 'bin':
      return n.op === '+' || n.op === '-' ? 5 : ['*', '/', '%'].includes(n.op) ? 6 : 4;
    case 'is_null':
    case 'in':
    case 'between':
      return 4;
    case 'neg':
      return 7;
    default:
      return 8;
  }
}

/**
 * A column name in a CHECK expression, quoted when it must be (capitals, a reserved word): the
 * standard `"name"`, which ddl/mysql.ts spells with backquotes for MariaDB.
 */
export function sqlName(name: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name)) return name;
  return `"${name.replaceAll('"', '""')}"`;
}

export function printNode(n: CheckNode): string {
  const wrap = (child: CheckNode, min: number) => {
    const s = printNode(child);
    return precedence(child) < min ? `(${s})` : s;
  };
  switch (n.t) {
    case 'col':
      return sqlName(n.name);
    case 'fn':
      return `${n.name}(${n.args.map(printNode).join(', ')})`;
    case 'not':
      return `NOT (${printNode(n.e)})`;
    case 'neg':
      return `-${wrap(n.e, 8)}`;
    case 'logic':
      // AND inside OR in parentheses too, for the reader.
      return operands(n, n.op, false)
        .map((i) => wrap(i, 3))
        .join(n.op === 'or' ? ' OR ' : ' AND ');
    case 'bin': {
      const p = precedence(n);
      if (p === 4) {
        const op = n.op === 'like' ? 'LIKE' : n.op === 'not like' ? 'NOT LIKE' : n.op;
        return `${wrap(n.l, 5)} ${op} ${wrap(n.r, 5)}`;
      }
      return `${wrap(n.l, p)} ${n.op} ${wrap(n.r, p + 1)}`;
    }
    case 'is_null':
      return `${wrap(n.e, 5)} IS ${n.not ? 'NOT ' : ''}NULL`;
    case 'in':
      return `${wrap(n.e, 5)} ${n.not ? 'NOT IN' : 'IN'} (${n.values.map(printLiteral).join(', ')})`;
    case 'between':
      return `${wrap(n.e, 5)} ${n.not ? 'NOT BETWEEN' : 'BETWEEN'} ${wrap(n.lo, 5)} AND ${wrap(n.hi, 5)}`;
    case 'array':
      throw new Unsupported('array');
    default:
      return printLiteral(n);
  }
}
