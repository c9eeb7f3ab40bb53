import { skipQuoted, unquoteIdentifier } from '../schema/index-statement.js';
/**
 * Column collations from a SQLite CREATE TABLE statement: the catalogue keeps them nowhere else
 * (pragma_table_xinfo has no collation column). Returns lower-cased column name → collation name,
 * for the columns that declare one.
 */
export function columnCollations(createSql: string): Map<string, string> {
  const out = new Map<string, string>();
  const body = tableBody(createSql);
  if (body === undefined) return out;
  for (const def of splitTopLevel(body)) {
    const blanked = blankLiterals(def);
    const name = leadingIdentifier(def);
    if (!name || TABLE_CONSTRAINT.test(blanked)) continue;
    const m = /\bcollate\s+("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|'(?:[^']|'')+'|\w+)/i.exec(blanked);
    if (!m) continue;
    const clause = def.slice(m.index, m.index + m[0].length);
    out.set(name.toLowerCase(), unquote(clause.replace(/^collate\s+/i, '')));
  }
  return out;
}

const TABLE_CONSTRAINT = /^\s*(constraint|primary\s+key|unique|check|foreign\s+key)\b/i;

/** The text between the parentheses that hold the column definitions. */
function tableBody(createSql: string): string | undefined {
  const open = blankLiterals(createSql).indexOf('(');
  if (open < 0) return undefined;
  const parts = scan(createSql.slice(open));
  return parts.closeAt === undefined ? undefined : createSql.slice(open + 1, open + parts.closeAt);
}

/** The definitions of a body, split at commas outside parentheses and quotes. */
function splitTopLevel(body: string): string[] {
  const out: string[] = [];
  let from = 0;
  // Offsets in the wrapped text are one past those in `body`.
  for (const at of scan(`(${body})`).commas) {
    out.push(body.slice(from, at - 1));
    from = at;
  }
  out.push(body.slice(from));
  return out;
}

/**
 * Walks text that starts with '(' and reports where the matching ')' is and where the commas at
 * depth one are, skipping quoted strings and identifiers.
 */
function scan(text: string): { closeAt?: number; commas: number[] } {
  const commas: number[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (QUOTES.has(ch)) i = skipQuoted(text, i);
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return { closeAt: i, commas };
    else if (ch === ',' && depth === 1) commas.push(i);
  }
  return { commas };
}

const QUOTES = new Set(["'", '"', '`', '[']);

/** The text with string literals' contents replaced by spaces (same length), so keywords in them are not read. */
function blankLiterals(text: string): string {
  return text.replace(/'(?:[^']|'')*'/g, (m) => `'${' '.repeat(m.length - 2)}'`);
}

function leadingIdentifier(def: string): string | undefined {
  const m = /^\s*("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|\w+)/.exec(def);
  return m ? unquote(m[1]!) : undefined;
}

/** An identifier, or a collation name SQLite also takes as a string literal ('NOCASE'). */
function unquote(id: string): string {
  return id.startsWith("'") ? id.slice(1, -1).replaceAll("''", "'") : unquoteIdentifier(id);
}
