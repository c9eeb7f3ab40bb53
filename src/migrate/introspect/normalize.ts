import type { DialectName } from '../ddl/dialect-impl.js';
import { parseColumnType } from '../schema/column-type.js';
import { skipQuoted } from '../schema/index-statement.js';
import type {
  ColumnType,
  ColumnTypeName,
  ReferentialAction,
  SchemaDialect,
  ServerDefault,
} from '../schema/types.js';
import { portableValueList } from './check-expr/compare.js';
import { isExactSpelling } from './exact-type.js';

/**
 * Turns what a catalogue reports back into the portable vocabulary, so that a database freshly
 * upgraded from the models compares equal to them on every dialect (no `tinyint(1)` vs boolean,
 * `character varying` vs varchar, quoted vs unquoted default phantoms). A type the portable one
 * would not recreate exactly (exact-type.ts) stays in the database's SQL, `{ mysql: 'char(2)' }`:
 * a revision that recreates the column then gives it back as it was.
 */
export function portableType(raw: string, dialect: SchemaDialect): ColumnType {
  const portable = portableName(raw);
  if (portable && isExactSpelling(portable, raw, dialect)) return portable;
  return { [dialect]: raw.trim() };
}

/** The portable type a catalogue's type is closest to, if any. */
function portableName(raw: string): ColumnTypeName | undefined {
  const t = raw.trim().toLowerCase();
  const args =
    /\(([^)]*)\)/
      .exec(t)?.[1]
      ?.split(',')
      .map((s) => Number(s.trim())) ?? [];
  const base = t
    .replace(/\(.*?\)/, '')
    .replace(/\s+unsigned$/, '')
    .trim();
  if (base === 'tinyint' && args[0] === 1) return 'boolean';
  switch (base) {
    case 'int':
    case 'integer':
    case 'int4':
    case 'mediumint':
      return 'integer';
    case 'bigint':
    case 'int8':
      return 'bigint';
    case 'smallint':
    case 'int2':
    case 'tinyint':
      return 'smallint';
    case 'bool':
    case 'boolean':
      return 'boolean';
    case 'real':
    case 'double':
    case 'double precision':
    case 'float':
    case 'float8':
      return 'float';
    case 'numeric':
    case 'decimal':
      return `numeric(${args[0] ?? 10},${args[1] ?? 0})`;
    case 'varchar':
    case 'character varying':
    case 'nvarchar':
      return args[0] ? `string(${args[0]})` : 'text';
    case 'text':
    case 'mediumtext':
    case 'longtext':
    case 'tinytext':
    case 'clob':
      return 'text';
    case 'date':
      return 'date';
    case 'datetime':
    case 'timestamp':
    case 'timestamp with time zone':
    case 'timestamp without time zone':
    case 'timestamptz':
      return 'timestamp';
    case 'json':
    case 'jsonb':
      return 'json';
    default:
      return undefined;
  }
}

/** A default as `dialect`'s catalogue prints it → a ServerDefault, interpreted by the column's type. */
export function portableDefault(
  raw: string | null | undefined,
  type: ColumnType,
  dialect: DialectName,
): ServerDefault | undefined {
  if (raw === null || raw === undefined) return undefined;
  let v = raw.trim();
  if (v === '' || v.toUpperCase() === 'NULL') return undefined;
  // PostgreSQL casts: 'active'::character varying, (0)::numeric
  v = v.replace(/::[a-z ]+(\([^)]*\))?(\[\])?$/i, '');
  while (v.startsWith('(') && v.endsWith(')')) v = v.slice(1, -1).trim();
  const lower = v.toLowerCase();
  if (/^(current_timestamp|now)(\(\d*\))?$/.test(lower) || lower === "datetime('now')") {
    return { expr: 'current_timestamp' };
  }
  if (/^(current_date|curdate)(\(\))?$/.test(lower)) return { expr: 'current_date' };
  let literal: string | undefined;
  if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) {
    const body = v.slice(1, -1);
    literal = dialect === 'mysql' ? unescapeMariadb(body) : body.replaceAll("''", "'");
  }
  const text = literal ?? v;
  const base = safeBase(type);
  if (base === 'timestamp') return canonicalTimestamp(text);
  if (base === 'boolean') {
    if (['1', 'true', "b'1'"].includes(text.toLowerCase())) return true;
    if (['0', 'false', "b'0'"].includes(text.toLowerCase())) return false;
  }
  if (
    ['integer', 'bigint', 'smallint', 'float', 'numeric'].includes(base) &&
    text !== '' &&
    !Number.isNaN(Number(text))
  ) {
    return Number(text);
  }
  return text;
}

/**
 * The text of a string literal's body as MariaDB prints it in information_schema (COLUMN_DEFAULT,
 * CHECK_CLAUSE): a quote is `''` in a VARCHAR's default but `\'` in a TEXT column's and in a CHECK;
 * a backslash is `\\`; newline, carriage return, NUL and (TEXT, CHECK) Ctrl-Z are `\n`, `\r`, `\0`,
 * `\Z`; a tab, a double quote and a VARCHAR's Ctrl-Z are written as they are. The other escapes
 * MariaDB reads in a literal (`\t`, `\b`, `\"`; a backslash before any other character stands for
 * that character) are read too, in one pass, so that `\\n` is a backslash and an n. PostgreSQL and
 * SQLite give backslashes no meaning: their literals only double the quote.
 */
function unescapeMariadb(body: string): string {
  const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', '0': '\0', Z: '\x1a' };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    const next = body[i + 1];
    if (c === '\\' && next !== undefined) {
      out += ESCAPES[next] ?? next;
      i++;
    } else if (c === "'" && next === "'") {
      out += "'";
      i++;
    } else out += c;
  }
  return out;
}

/** A model's default put in the same normal form, for comparison. */
export function normalizeDefault(
  def: ServerDefault | undefined,
  type: ColumnType,
): ServerDefault | undefined {
  if (def === undefined || typeof def === 'object') return def;
  const base = safeBase(type);
  if (base === 'timestamp' && typeof def === 'string') return canonicalTimestamp(def);
  if (base === 'boolean' && typeof def !== 'boolean') return def === 1 || def === '1' || def === 'true';
  if (['integer', 'bigint', 'smallint', 'float', 'numeric'].includes(base) && typeof def === 'string') {
    const n = Number(def);
    return Number.isNaN(n) ? def : n;
  }
  // A boolean column's default on a column that becomes a number: the value it converts to.
  if (['integer', 'bigint', 'smallint', 'float', 'numeric'].includes(base) && typeof def === 'boolean') {
    return def ? 1 : 0;
  }
  if (
    typeof def === 'number' &&
    !['integer', 'bigint', 'smallint', 'float', 'numeric', 'boolean'].includes(base)
  ) {
    return String(def);
  }
  return def;
}

const TIMESTAMP_LITERAL =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Whether `text` is a date or timestamp literal (with or without a zone) that canonicalTimestamp reads. */
export function isTimestampLiteral(text: string): boolean {
  return TIMESTAMP_LITERAL.test(text.trim());
}

/**
 * A timestamp literal in one spelling: `YYYY-MM-DD HH:MM:SS[.fff]` in UTC, the fraction without
 * trailing zeros. MySQL's DATETIME(3) reads `'2026-01-01 00:00:00'` back as `… 00:00:00.000` and
 * PostgreSQL's timestamptz as `… 00:00:00+00` (in the session's zone): without this, a literal
 * default set by the upgrade is a difference again at once. A literal without a zone is UTC, the
 * engine's convention for timestamps. Anything else is returned unchanged.
 */
export function canonicalTimestamp(text: string): string {
  const m = TIMESTAMP_LITERAL.exec(text.trim());
  if (!m) return text;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone] = m;
  const digits = fraction.replace(/0+$/, '');
  const offset = zoneOffsetMinutes(zone);
  // Plain text unless a zone must be undone, so that odd values ('0000-00-00') pass through as such.
  let wall = `${y}-${mo}-${d} ${h}:${mi}:${s}`;
  if (offset !== 0) {
    const utc = new Date(0);
    utc.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
    utc.setUTCHours(Number(h), Number(mi) - offset, Number(s));
    wall = utc.toISOString().slice(0, 19).replace('T', ' ');
  }
  return digits ? `${wall}.${digits}` : wall;
}

/** `+05:30` → 330, `-08` → -480, `Z` or none → 0. */
function zoneOffsetMinutes(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
}

/**
 * A foreign key's ON DELETE / ON UPDATE as the catalogue reports it (`CASCADE`, PostgreSQL's
 * confdeltype letter). NO ACTION is every dialect's default and reads as unspecified. RESTRICT is
 * a different rule on SQLite and PostgreSQL (checked at once, even in a deferred transaction) and
 * both report it only when it was written, so it is kept there: reading it as unspecified made
 * SQLite's copy-and-move recreate the key without it. MySQL/MariaDB report RESTRICT for a key that
 * names no action and InnoDB treats the two alike, so there it reads as unspecified.
 */
export function portableAction(
  raw: string | null | undefined,
  dialect: DialectName,
): ReferentialAction | undefined {
  const a = (raw ?? '').trim().toLowerCase().replace('_', ' ');
  if (a === 'cascade' || a === 'c') return 'cascade';
  if (a === 'set null' || a === 'n') return 'set null';
  if ((a === 'restrict' || a === 'r') && dialect !== 'mysql') return 'restrict';
  return undefined;
}

/** A portable type's base name; '' for a dialect type, whose defaults are kept as the catalogue gives them. */
function safeBase(type: ColumnType): string {
  if (typeof type !== 'string') return '';
  try {
    return parseColumnType(type).base;
  } catch {
    return type;
  }
}

/**
 * A CHECK expression as a catalogue prints it → the portable spelling of its commonest shape, the
 * IN-list the model DSL's `oneOf` declares (`status IN ('a', 'b')`). PostgreSQL reads that back as
 * `((status)::text = ANY ((ARRAY['a'::character varying, …])::text[]))` (and, once re-created
 * from that, as `ARRAY[('a'::character varying)::text, …]`), MariaDB as `` `status` in ('a','b') ``.
 * Without this, a downgrade that re-creates a dropped table writes one dialect's SQL into a
 * portable revision, and each round trip changes the text. Any other expression is kept verbatim.
 */
export function portableCheck(raw: string, dialect: DialectName): string {
  const text = dialect === 'mysql' ? standardQuotes(raw) : raw;
  return portableValueList(text, dialect) ?? text;
}

/**
 * MariaDB's CHECK_CLAUSE with its string literals spelt as the model writes them where MariaDB
 * reads that alike: `'it\'s'` as `'it''s'`, `'a\nb'` with the newline itself. A literal that holds
 * a backslash is left as MariaDB wrote it (`'a\\b'`): there no spelling means the same on every
 * dialect, and the check-expr tokenizer declines to compare it.
 */
function standardQuotes(clause: string): string {
  let out = '';
  for (let i = 0; i < clause.length; i++) {
    const c = clause[i]!;
    if (c === '`' || c === '"') {
      const end = skipQuoted(clause, i);
      out += clause.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c !== "'") {
      out += c;
      continue;
    }
    const end = skipQuoted(clause, i, { backslashEscapes: true });
    const literal = clause.slice(i, end + 1);
    const value = unescapeMariadb(literal.slice(1, -1));
    const keep = end >= clause.length || ['\\', '\0', '\x1a'].some((x) => value.includes(x));
    out += keep ? literal : `'${value.replaceAll("'", "''")}'`;
    i = end;
  }
  return out;
}
