/** A column type taken apart: `string(255)` → { base: 'string', args: [255] }. */
/** The integer types an auto-increment key may have (on SQLite all are its 64-bit INTEGER rowid). */
export const INTEGER_TYPES: ReadonlySet<string> = new Set(['integer', 'bigint', 'smallint']);

export interface ParsedColumnType {
  base: string;
  args: number[];
}

const TYPE_RE = /^([a-z_]+)(?:\((\d+)(?:,\s*(\d+))?\))?$/;
const SIMPLE = new Set([
  'integer',
  'bigint',
  'smallint',
  'boolean',
  'text',
  'date',
  'timestamp',
  'float',
  'json',
]);

export function parseColumnType(type: string): ParsedColumnType {
  const m = TYPE_RE.exec(type.trim());
  if (!m) throw new Error(`Unknown column type '${type}'`);
  const base = m[1]!;
  const args = [m[2], m[3]].filter((a): a is string => a !== undefined).map(Number);
  if (base === 'string' && args.length === 1) return { base, args };
  if (base === 'numeric' && args.length === 2) return { base, args };
  if (SIMPLE.has(base) && args.length === 0) return { base, args };
  throw new Error(`Unknown column type '${type}'`);
}
