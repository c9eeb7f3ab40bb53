/**
 * The columns a SQL expression names — a CHECK constraint's, an expression index's, a partial
 * index's WHERE clause — read with a small lexer rather than a regular expression, so that a word
 * inside a string literal ('kind'), a function name (lower(…)) or a keyword is never taken for a
 * column. The table-shape edits use it to drop or rewrite what a dropped or renamed column leaves
 * behind, as the databases do themselves.
 */

type Piece = { column: string; text: string } | { column?: undefined; text: string };

/** Words that are SQL, not names, where an expression may use them. */
const KEYWORDS = new Set([
  'and',
  'as',
  'asc',
  'between',
  'case',
  'cast',
  'collate',
  'current_date',
  'current_time',
  'current_timestamp',
  'desc',
  'distinct',
  'else',
  'end',
  'escape',
  'exists',
  'false',
  'glob',
  'in',
  'is',
  'isnull',
  'like',
  'match',
  'not',
  'notnull',
  'null',
  'or',
  'regexp',
  'then',
  'true',
  'when',
]);

/** The expression cut into pieces that join back into it, each column reference a piece of its own. */
function pieces(expr: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  const other = (end: number) => {
    out.push({ text: expr.slice(i, end) });
    i = end;
  };
  const closing = (close: string, from: number): number => {
    for (let j = from; j < expr.length; j++) {
      if (expr[j] !== close) continue;
      if (close !== ']' && expr[j + 1] === close) {
        j++;
        continue;
      }
      return j + 1;
    }
    return expr.length;
  };
  while (i < expr.length) {
    const ch = expr[i]!;
    const rest = expr.slice(i);
    if (ch === "'") other(closing("'", i + 1));
    else if (rest.startsWith('--')) other(expr.indexOf('\n', i) < 0 ? expr.length : expr.indexOf('\n', i));
    else if (rest.startsWith('/*'))
      other(expr.indexOf('*/', i) < 0 ? expr.length : expr.indexOf('*/', i) + 2);
    else if (ch === '"' || ch === '`' || ch === '[') {
      const end = closing(ch === '[' ? ']' : ch, i + 1);
      const raw = expr.slice(i + 1, end - 1);
      const name = ch === '[' ? raw : raw.replaceAll(ch + ch, ch);
      const text = expr.slice(i, end);
      i = end;
      out.push(followedBy(expr, i, '.') ? { text } : { column: name, text });
    } else if (/[A-Za-z_]/.test(ch)) {
      const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(rest)![0];
      const end = i + word.length;
      // x'…' is a blob literal; a word before '(' is a function, before '.' a table.
      if (/^x$/i.test(word) && expr[end] === "'") {
        other(closing("'", end + 1));
        continue;
      }
      // The word after COLLATE is a collation (NOCASE), not a column.
      const collation =
        out
          .filter((p) => p.text.trim())
          .at(-1)
          ?.text.toLowerCase() === 'collate';
      const name =
        !collation &&
        !KEYWORDS.has(word.toLowerCase()) &&
        !followedBy(expr, end, '(') &&
        !followedBy(expr, end, '.');
      out.push(name ? { column: word, text: word } : { text: word });
      i = end;
    } else if (/[0-9]/.test(ch)) other(i + /^[0-9A-Za-z_.]+/.exec(rest)![0].length);
    else other(i + 1);
  }
  return out;
}

function followedBy(expr: string, at: number, ch: string): boolean {
  return expr.slice(at).trimStart().startsWith(ch);
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Whether `expr` names `column` (names compare without case, as SQL's do). */
export function referencesColumn(expr: string, column: string): boolean {
  return pieces(expr).some((p) => p.column !== undefined && same(p.column, column));
}

/**
 * `expr` with every reference to column `from` naming `to` instead, the rest kept as written. The
 * new name is always double-quoted, as SQLite's own RENAME COLUMN writes it: a bare name could be
 * a keyword (`order`).
 */
export function renameColumnIn(expr: string, from: string, to: string): string {
  const written = `"${to.replaceAll('"', '""')}"`;
  return pieces(expr)
    .map((p) => (p.column !== undefined && same(p.column, from) ? written : p.text))
    .join('');
}
