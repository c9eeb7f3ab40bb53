import type { DialectName } from '../../ddl/dialect-impl.js';
import {
  type CheckNode,
  canonicalNumber,
  children,
  isLiteral,
  type ParsedCheck,
  Unsupported,
} from './check-node.js';
import { KEYWORDS, type Token, tokenize } from './tokenize.js';

const COMPARISONS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=', '~~', '!~~']);
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

/** The expression tree of a CHECK expression, or undefined where the grammar does not reach. */
export function parseCheck(expr: string, dialect: DialectName): ParsedCheck | undefined {
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
