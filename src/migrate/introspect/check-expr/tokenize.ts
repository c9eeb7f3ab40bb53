import type { DialectName } from '../../ddl/dialect-impl.js';
import { Unsupported } from './check-node.js';

export type Token = { k: 'word' | 'ident' | 'num' | 'str' | 'op'; v: string };

export const OPERATORS = ['!~~', '::', '<>', '!=', '<=', '>=', '~~', '=', '<', '>', '(', ')', '[', ']', ','];
export const ARITHMETIC = ['+', '-', '*', '/', '%'];
export const KEYWORDS = new Set([
  'all',
  'and',
  'any',
  'between',
  'case',
  'collate',
  'distinct',
  'else',
  'end',
  'escape',
  'exists',
  'from',
  'in',
  'is',
  'like',
  'mod',
  'not',
  'or',
  'select',
  'then',
  'when',
]);

/** The tokens of a CHECK expression as `dialect` spells it; Unsupported where the grammar stops. */
export function tokenize(text: string, dialect: DialectName): Token[] {
  const out: Token[] = [];
  let i = 0;
  const quoted = (close: string): string => {
    let v = '';
    for (let j = i + 1; ; j++) {
      const c = text[j];
      if (c === undefined) throw new Unsupported('unterminated quote');
      if (c === close) {
        if (text[j + 1] === close) {
          v += close;
          j++;
          continue;
        }
        i = j + 1;
        return v;
      }
      // MariaDB reads backslash escapes in strings; the model's text means them literally.
      if (c === '\\' && close === "'" && dialect === 'mysql') throw new Unsupported('backslash');
      v += c;
    }
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'") {
      out.push({ k: 'str', v: quoted("'") });
      continue;
    }
    if (ch === '"' || ch === '`') {
      // MariaDB reads "x" as a string; PostgreSQL knows no backquotes.
      if ((ch === '"' && dialect === 'mysql') || (ch === '`' && dialect === 'postgres')) {
        throw new Unsupported(`quote ${ch}`);
      }
      out.push({ k: 'ident', v: quoted(ch) });
      continue;
    }
    const rest = text.slice(i);
    const num = /^(?:\d+(?:\.\d*)?|\.\d+)/.exec(rest)?.[0];
    if (num) {
      if (/[\w.$]/.test(text[i + num.length] ?? '')) throw new Unsupported('number');
      out.push({ k: 'num', v: num });
      i += num.length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(rest)?.[0];
    if (word) {
      i += word.length;
      // MySQL 8's charset introducer (_utf8mb4'a'): the string is what counts.
      if (dialect === 'mysql' && word.startsWith('_') && text[i] === "'") continue;
      out.push({ k: 'word', v: word });
      continue;
    }
    const op = [...OPERATORS, ...ARITHMETIC].find((o) => text.startsWith(o, i));
    if (!op) throw new Unsupported(`character ${ch}`);
    out.push({ k: 'op', v: op });
    i += op.length;
  }
  return out;
}
