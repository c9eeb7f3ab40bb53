import type { DialectName } from '../ddl/dialect-impl.js';

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
 * object on another), so the normalising below would still be needed. The subset CHECKs use is
 * small, and whatever falls outside it is simply not compared.
 */

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

class Unsupported extends Error {}

type Token = { k: 'word' | 'ident' | 'num' | 'str' | 'op'; v: string };

const OPERATORS = ['!~~', '::', '<>', '!=', '<=', '>=', '~~', '=', '<', '>', '(', ')', '[', ']', ','];
const ARITHMETIC = ['+', '-', '*', '/', '%'];
const COMPARISONS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=', '~~', '!~~']);
const KEYWORDS = new Set([
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
/** Words PostgreSQL spells a cast's type with after the first (`double precision`, …). */
const TYPE_WORDS = new Set(['precision', 'varying', 'with', 'without', 'time', 'zone']);
const TEXT_TYPES = new Set(['text', 'character varying', 'varchar', 'character', 'char', 'bpchar']);
const NUMBER_TYPES = new Set([
  'integer',
  'int',
  'int2',
  'int4',
  'int8',
  'smallint',
  'bigint',
  'numeric',
  'decimal',
  'real',
  'double precision',
  'float4',
  'float8',
]);

function tokenize(text: string, dialect: DialectName): Token[] {
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

class Parser {
  private pos = 0;
  readonly flags = { functions: false, not: false, coerced: false, lossyCast: false };

  constructor(private readonly tokens: Token[]) {}

  parse(): CheckNode {
    const node = this.or();
    if (this.pos !== this.tokens.length) throw new Unsupported('trailing tokens');
    assertNoArray(node);
    return node;
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }
  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.k === 'word' && t.v.toLowerCase() === word;
  }
  private isOp(op: string): boolean {
    const t = this.peek();
    return t?.k === 'op' && t.v === op;
  }
  private eatWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.pos++;
    return true;
  }
  private eatOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.pos++;
    return true;
  }
  private expectOp(op: string): void {
    if (!this.eatOp(op)) throw new Unsupported(`expected ${op}`);
  }

  private or(): CheckNode {
    let node = this.and();
    while (this.eatWord('or')) node = { t: 'logic', op: 'or', items: [node, this.and()] };
    return node;
  }

  private and(): CheckNode {
    let node = this.not();
    while (this.eatWord('and')) node = { t: 'logic', op: 'and', items: [node, this.not()] };
    return node;
  }

  private not(): CheckNode {
    if (!this.eatWord('not')) return this.predicate();
    this.flags.not = true;
    return { t: 'not', e: this.not() };
  }

  private predicate(): CheckNode {
    const left = this.additive();
    const t = this.peek();
    if (t?.k === 'op' && COMPARISONS.has(t.v)) {
      this.pos++;
      const op = t.v === '!=' ? '<>' : t.v === '~~' ? 'like' : t.v === '!~~' ? 'not like' : t.v;
      if (this.isWord('any') || this.isWord('all')) return this.quantified(left, op);
      return { t: 'bin', op, l: left, r: this.additive() };
    }
    if (this.eatWord('is')) {
      const not = this.eatWord('not');
      if (!this.eatWord('null')) throw new Unsupported('IS without NULL');
      return { t: 'is_null', e: left, not };
    }
    const not = this.isWord('not') && ['in', 'like', 'between'].some((w) => this.isWord(w, 1));
    if (not) this.pos++;
    if (this.eatWord('in')) {
      this.expectOp('(');
      return { t: 'in', e: left, values: this.literals(')'), not };
    }
    if (this.eatWord('like')) return { t: 'bin', op: not ? 'not like' : 'like', l: left, r: this.additive() };
    if (this.eatWord('between')) {
      const lo = this.additive();
      if (!this.eatWord('and')) throw new Unsupported('BETWEEN without AND');
      return { t: 'between', e: left, lo, hi: this.additive(), not };
    }
    return left;
  }

  /** PostgreSQL's IN: `x = ANY (ARRAY[…])`, NOT IN: `x <> ALL (ARRAY[…])`. */
  private quantified(left: CheckNode, op: string): CheckNode {
    const all = this.isWord('all');
    this.pos++;
    this.expectOp('(');
    const array = this.additive();
    this.expectOp(')');
    if (array.t !== 'array' || !array.items.every(isLiteral)) throw new Unsupported('ANY/ALL');
    if (op === '=' && !all) return { t: 'in', e: left, values: array.items, not: false };
    if (op === '<>' && all) return { t: 'in', e: left, values: array.items, not: true };
    throw new Unsupported(`${op} ${all ? 'ALL' : 'ANY'}`);
  }

  private literals(close: string): CheckNode[] {
    const items = this.list(close);
    if (!items.length || !items.every(isLiteral)) throw new Unsupported('list of non-literals');
    return items;
  }

  private list(close: string): CheckNode[] {
    const items: CheckNode[] = [];
    if (this.eatOp(close)) return items;
    do items.push(this.additive());
    while (this.eatOp(','));
    this.expectOp(close);
    return items;
  }

  private additive(): CheckNode {
    let node = this.multiplicative();
    for (let op = this.peek(); op?.k === 'op' && (op.v === '+' || op.v === '-'); op = this.peek()) {
      this.pos++;
      node = { t: 'bin', op: op.v, l: node, r: this.multiplicative() };
    }
    return node;
  }

  private multiplicative(): CheckNode {
    let node = this.unary();
    for (;;) {
      const t = this.peek();
      // MariaDB writes % as MOD.
      const op = t?.k === 'op' && ['*', '/', '%'].includes(t.v) ? t.v : this.isWord('mod') ? '%' : undefined;
      if (!op) return node;
      this.pos++;
      node = { t: 'bin', op, l: node, r: this.unary() };
    }
  }

  private unary(): CheckNode {
    if (!this.eatOp('-')) return this.postfix();
    const e = this.unary();
    if (e.t === 'num')
      return { t: 'num', text: e.text.startsWith('-') ? e.text.slice(1) : canonicalNumber(`-${e.text}`)! };
    return { t: 'neg', e };
  }

  private postfix(): CheckNode {
    let node = this.primary();
    while (this.eatOp('::')) node = this.cast(node);
    return node;
  }

  private primary(): CheckNode {
    const t = this.peek();
    if (!t) throw new Unsupported('unexpected end');
    this.pos++;
    if (t.k === 'num') return { t: 'num', text: canonicalNumber(t.v)! };
    if (t.k === 'str') return { t: 'str', value: t.v };
    if (t.k === 'ident') return { t: 'col', name: t.v };
    if (t.k === 'op') {
      if (t.v !== '(') throw new Unsupported(`unexpected ${t.v}`);
      const inner = this.or();
      this.expectOp(')');
      return inner;
    }
    const word = t.v.toLowerCase();
    if (word === 'null') return { t: 'null' };
    if (word === 'true' || word === 'false') return { t: 'bool', value: word === 'true' };
    if (word === 'array' && this.eatOp('[')) return { t: 'array', items: this.list(']') };
    if (KEYWORDS.has(word)) throw new Unsupported(`keyword ${word}`);
    if (this.eatOp('(')) {
      this.flags.functions = true;
      return { t: 'fn', name: word, args: this.list(')') };
    }
    return { t: 'col', name: t.v };
  }

  /**
   * PostgreSQL's casts, dropped. Those it adds itself change nothing: a varchar column read as
   * text, a literal in the type it is compared with. A literal's text survives a cast to text; a
   * number's is compared as a number; any other (a date, a boolean) PostgreSQL re-spells.
   */
  private cast(node: CheckNode): CheckNode {
    const first = this.peek();
    if (first?.k !== 'word') throw new Unsupported('cast without a type');
    this.pos++;
    let type = first.v.toLowerCase();
    while (this.peek()?.k === 'word' && TYPE_WORDS.has(this.peek()!.v.toLowerCase())) {
      type += ` ${this.peek()!.v.toLowerCase()}`;
      this.pos++;
    }
    if (this.eatOp('(')) {
      while (this.peek()?.k === 'num' || this.isOp(',')) this.pos++;
      this.expectOp(')');
    }
    let array = false;
    while (this.eatOp('[')) {
      this.expectOp(']');
      array = true;
    }
    if (array || node.t === 'array') {
      if (!(array && node.t === 'array')) this.flags.lossyCast = true;
      return node;
    }
    if (node.t === 'str') {
      if (TEXT_TYPES.has(type)) return node;
      const n = NUMBER_TYPES.has(type) ? canonicalNumber(node.value.trim()) : undefined;
      if (n !== undefined) return { t: 'num', text: n };
      this.flags.coerced = true;
      return node;
    }
    if (isLiteral(node)) return node;
    if (!(node.t === 'col' && TEXT_TYPES.has(type))) this.flags.lossyCast = true;
    return node;
  }
}

function assertNoArray(node: CheckNode): void {
  if (node.t === 'array') throw new Unsupported('ARRAY outside ANY/ALL');
  for (const child of children(node)) assertNoArray(child);
}

function children(n: CheckNode): CheckNode[] {
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

function isLiteral(n: CheckNode): boolean {
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

/** The expression tree of a CHECK expression, or undefined where the grammar does not reach. */
function parseCheck(expr: string, dialect: DialectName): ParsedCheck | undefined {
  try {
    const parser = new Parser(tokenize(expr, dialect));
    const node = parser.parse();
    return { node, ...parser.flags };
  } catch {
    // Unsupported, or anything this small parser did not foresee in a database's text: the
    // expression is then not compared, rather than autogenerate failing on someone's CHECK.
    return undefined;
  }
}

/** Whether the database keeps this expression up to the rewritings the tree undoes (see above). */
function reliable(p: ParsedCheck, dialect: DialectName): boolean {
  if (dialect === 'sqlite') return true;
  if (p.functions || p.coerced) return false;
  return !(p.not && dialect === 'mysql');
}

/**
 * A canonical text of the tree: equal for two expressions every database treats alike after the
 * rewritings above. AND/OR are flattened and their operands sorted, IN lists are sets (one value:
 * `=`), BETWEEN is PostgreSQL's pair of comparisons, a number is compared as one wherever it is
 * spelt as a string (PostgreSQL writes `qty > '5'` as `qty > 5`), TRUE/FALSE as MariaDB's 1/0.
 */
function checkKey(n: CheckNode): string {
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
function operands(n: CheckNode, op: 'and' | 'or', between = true): CheckNode[] {
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
function valueList(n: CheckNode): { column: string; values: CheckNode[] } | undefined {
  if (n.t === 'in' && !n.not && n.e.t === 'col') return { column: n.e.name, values: n.values };
  if (n.t === 'bin' && n.op === '=' && n.l.t === 'col' && isLiteral(n.r)) {
    return { column: n.l.name, values: [n.r] };
  }
  return undefined;
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
  if (!p || p.lossyCast || p.coerced) return undefined;
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
function displayLiteral(n: CheckNode): string {
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

function printNode(n: CheckNode): string {
  const wrap = (child: CheckNode, min: number) => {
    const s = printNode(child);
    return precedence(child) < min ? `(${s})` : s;
  };
  switch (n.t) {
    case 'col':
      if (!/^[a-z_][a-z0-9_]*$/.test(n.name) || RESERVED.has(n.name)) throw new Unsupported('name');
      return n.name;
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
