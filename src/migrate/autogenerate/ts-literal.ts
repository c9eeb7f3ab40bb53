/**
 * Prints plain data and `await op.method(...)` calls as TypeScript laid out the way Biome (Prettier)
 * lays it out — 2-space indent, single quotes, trailing commas, 110 columns — so a generated
 * revision passes `biome check` as written and reads like hand-written code:
 *
 * - a value stays on one line when it fits, otherwise one element or property per line;
 * - an array of two or more objects with several properties always takes one per line (Prettier's
 *   rule for such arrays);
 * - a call whose arguments do not fit keeps them on the first line and breaks only its last
 *   argument when that is an object or array ("hugging"), else puts one argument per line.
 */
export type Literal =
  | string
  | number
  | boolean
  | null
  | readonly Literal[]
  | { readonly [key: string]: Literal | undefined };

export const LINE_WIDTH = 110;

type Obj = { readonly [key: string]: Literal | undefined };

const isArray = (v: Literal): v is readonly Literal[] => Array.isArray(v);
const isObject = (v: Literal): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const entries = (o: Obj) => Object.entries(o).filter((e): e is [string, Literal] => e[1] !== undefined);

/** A string literal with Biome's quote choice: single quotes unless double quotes need fewer escapes. */
export function quote(s: string): string {
  const singles = s.split("'").length - 1;
  const doubles = s.split('"').length - 1;
  const q = singles > doubles ? '"' : "'";
  const body = s
    .replaceAll('\\', '\\\\')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t')
    .replaceAll(q, `\\${q}`);
  return `${q}${body}${q}`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const key = (k: string) => (IDENTIFIER.test(k) ? k : quote(k));

/** The one-line form. */
export function flat(v: Literal): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isArray(v)) return `[${v.map(flat).join(', ')}]`;
  const props = entries(v);
  return props.length ? `{ ${props.map(([k, x]) => `${key(k)}: ${flat(x)}`).join(', ')} }` : '{}';
}

/** Prettier always breaks an array of 2+ objects (or arrays) that each have more than one entry. */
function alwaysBreaks(v: Literal): boolean {
  if (isArray(v)) {
    const concise =
      v.length > 1 &&
      (v.every((e) => isObject(e) && entries(e).length > 1) || v.every((e) => isArray(e) && e.length > 1));
    return concise || v.some(alwaysBreaks);
  }
  if (isObject(v)) return entries(v).some(([, x]) => alwaysBreaks(x));
  return false;
}

const expandable = (v: Literal) => (isArray(v) ? v.length > 0 : isObject(v) && entries(v).length > 0);

/**
 * `v` starting at `column` on a line indented by `indent`, followed on its last line by `tail`
 * characters (a comma, `);`).
 */
export function print(v: Literal, column: number, indent: number, tail: number): string {
  const one = flat(v);
  if (!expandable(v) || (!alwaysBreaks(v) && column + one.length + tail <= LINE_WIDTH)) return one;
  return broken(v, indent);
}

/** `v` with one element or property per line. */
function broken(v: Literal, indent: number): string {
  const inner = indent + 2;
  const pad = ' '.repeat(inner);
  if (isArray(v)) {
    const items = v.map((e) => `${pad}${print(e, inner, inner, 1)},`);
    return `[\n${items.join('\n')}\n${' '.repeat(indent)}]`;
  }
  const props = entries(v as Obj).map(([k, x]) => {
    const head = `${key(k)}: `;
    return `${pad}${head}${print(x, inner + head.length, inner, 1)},`;
  });
  return `{\n${props.join('\n')}\n${' '.repeat(indent)}}`;
}

/** `await op.<method>(args);` as statement lines at `indent`. */
export function printCall(callee: string, args: readonly Literal[], indent = 2): string[] {
  const pad = ' '.repeat(indent);
  const head = `${pad}${callee}(`;
  const flatArgs = args.map(flat);
  const oneLine = `${head}${flatArgs.join(', ')});`;
  if (!args.some(alwaysBreaks) && oneLine.length <= LINE_WIDTH) return [oneLine];

  const last = args[args.length - 1];
  const penultimate = args[args.length - 2];
  const hug =
    last !== undefined &&
    expandable(last) &&
    !(penultimate !== undefined && isArray(penultimate) === isArray(last) && expandable(penultimate)) &&
    !args.slice(0, -1).some(alwaysBreaks);
  if (hug) {
    const lead = `${head}${[...flatArgs.slice(0, -1), ''].join(', ')}`;
    if (lead.length + 1 <= LINE_WIDTH) return `${lead}${broken(last, indent)});`.split('\n');
  }
  const inner = indent + 2;
  const lines = args.map((a) => `${' '.repeat(inner)}${print(a, inner, inner, 1)},`);
  return [head, ...lines.join('\n').split('\n'), `${pad});`];
}

/** A `// text` comment, word-wrapped to the line width. */
export function printComment(text: string, indent = 2): string[] {
  const prefix = `${' '.repeat(indent)}// `;
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && prefix.length + current.length + 1 + word.length > LINE_WIDTH) {
      lines.push(prefix + current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(prefix + current);
  return lines;
}
