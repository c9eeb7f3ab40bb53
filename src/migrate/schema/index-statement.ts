/**
 * A CREATE INDEX statement cut into its parts: SQLite's catalogue names the columns of an index
 * but not its expressions (`lower(email)` reads as NULL) nor its WHERE clause, which only the
 * statement kept in sqlite_master holds.
 */
export interface IndexStatement {
  /** Each indexed term as written: `email`, `lower(email)`, `"name" COLLATE NOCASE DESC`. */
  terms: string[];
  /** The predicate of a partial index. */
  where?: string;
  /** Offsets of the term list (inside the parentheses) and of the predicate, for rewriting. */
  termsAt: [number, number];
  whereAt?: [number, number];
}

const IDENT = String.raw`(?:"(?:[^"]|"")*"|\x60(?:[^\x60]|\x60\x60)*\x60|\[[^\]]*\]|[A-Za-z_][\w$]*)`;
const HEAD = new RegExp(
  String.raw`^\s*create\s+(unique\s+)?index\s+(if\s+not\s+exists\s+)?(?:${IDENT}\s*\.\s*)?(${IDENT})\s+on\s+(${IDENT})\s*\(`,
  'i',
);

/** A whole CREATE INDEX statement: what it is called, on which table, and its parts. */
export interface CreateIndexStatement extends IndexStatement {
  name: string;
  table: string;
  unique: boolean;
  /** Offsets of the table's name as written (quotes included), for a table rename to rewrite. */
  tableAt: [number, number];
}

/** undefined when the text is not a CREATE INDEX statement this reads. */
export function parseCreateIndex(statement: string): CreateIndexStatement | undefined {
  const head = HEAD.exec(statement);
  if (!head) return undefined;
  const open = head[0].length - 1;
  // The table's name is the last identifier before the parenthesis: found back from there.
  const tableEnd = head[0].slice(0, -1).trimEnd().length;
  const parts: [number, number][] = [];
  let depth = 0;
  let start = open + 1;
  let close = -1;
  for (let i = open; i < statement.length && close < 0; i++) {
    const ch = statement[i]!;
    if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      i = skipQuoted(statement, i);
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) close = i;
    else if (ch === ',' && depth === 1) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  if (close < 0) return undefined;
  parts.push([start, close]);
  const out: CreateIndexStatement = {
    name: unquoteIdentifier(head[3]!),
    table: unquoteIdentifier(head[4]!),
    unique: head[1] !== undefined,
    tableAt: [tableEnd - head[4]!.length, tableEnd],
    terms: parts.map(([a, b]) => statement.slice(a, b).trim()),
    termsAt: [open + 1, close],
  };
  const tail = /^\s*where\s+/i.exec(statement.slice(close + 1));
  if (tail) {
    const from = close + 1 + tail[0].length;
    const to = statement.replace(/[\s;]+$/, '').length;
    out.where = statement.slice(from, to);
    out.whereAt = [from, to];
  }
  return out;
}

const DROP = new RegExp(
  String.raw`^\s*drop\s+index\s+(if\s+exists\s+)?(?:${IDENT}\s*\.\s*)?(${IDENT})[\s;]*$`,
  'i',
);

/** `DROP INDEX [IF EXISTS] [schema.]name` (SQLite's form); undefined for anything else. */
export function parseDropIndex(statement: string): { name: string } | undefined {
  const m = DROP.exec(statement);
  return m ? { name: unquoteIdentifier(m[2]!) } : undefined;
}

const COLUMN_TERM = new RegExp(
  String.raw`^(${IDENT})(?:\s+collate\s+(${IDENT}|'(?:[^']|'')*'))?(?:\s+(asc|desc))?$`,
  'i',
);

/** An index term that names a column, with the collation and order it declares, if any. */
export interface ColumnTerm {
  column: string;
  collation?: string;
  descending: boolean;
}

/**
 * A term that names a column (`"name" COLLATE NOCASE DESC` → name, NOCASE, descending), cut into
 * its parts; undefined for an expression, which SQLite's pragma_index_info reports as NULL.
 */
export function readColumnTerm(term: string): ColumnTerm | undefined {
  const m = COLUMN_TERM.exec(term.trim());
  if (!m) return undefined;
  const out: ColumnTerm = { column: unquoteIdentifier(m[1]!), descending: m[3]?.toLowerCase() === 'desc' };
  if (m[2] !== undefined)
    out.collation = m[2].startsWith("'") ? m[2].slice(1, -1).replaceAll("''", "'") : unquoteIdentifier(m[2]);
  return out;
}

/**
 * Whether a column term says more than its column: a COLLATE clause (even one naming the
 * column's own collation, which a later change of the column's collation must not carry along)
 * or DESC. Rebuilt from its column names alone, such an index would lose it — a unique index
 * `(email COLLATE NOCASE)` becoming case-sensitive.
 */
export function termHasOptions(term: ColumnTerm): boolean {
  return term.collation !== undefined || term.descending;
}

/** The name a quoted or bare SQL identifier stands for. */
export function unquoteIdentifier(text: string): string {
  const first = text[0];
  if (first === '"') return text.slice(1, -1).replaceAll('""', '"');
  if (first === '`') return text.slice(1, -1).replaceAll('``', '`');
  if (first === '[') return text.slice(1, -1);
  return text;
}

/**
 * The index of the last character of the quoted text starting at `at` ('…', "…", `…` or […]), or
 * the text's length when it is not closed. A doubled closing quote stands for itself; with
 * `backslashEscapes` (MariaDB's string literals) so does any character after a backslash.
 */
export function skipQuoted(text: string, at: number, options: { backslashEscapes?: boolean } = {}): number {
  const close = text[at] === '[' ? ']' : text[at]!;
  for (let j = at + 1; j < text.length; j++) {
    if (options.backslashEscapes && text[j] === '\\') {
      j++;
      continue;
    }
    if (text[j] !== close) continue;
    if (close !== ']' && text[j + 1] === close) {
      j++;
      continue;
    }
    return j;
  }
  return text.length;
}
