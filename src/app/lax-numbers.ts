/**
 * Numbers sent as text in a JSON body, read as numbers where the schema wants one: `"quantity":"7"`
 * is 7. The original's pydantic models did this (its "lax" mode), and its web front end may send the
 * value of a form field as it is. Only digit strings convert (`"7"`, `" -3 "`, `"1.5"` for a number),
 * so `"abc"`, `"7 apples"` or `"0x10"` still fail validation naming the field; and nothing converts
 * the other way (`123` is still not a name).
 */

type Schema = Record<string, unknown>;
type Coerce = (value: unknown) => unknown;

const INTEGER = /^\s*[+-]?\d+\s*$/;
const NUMBER = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

function numericKind(schema: Schema): 'integer' | 'number' | undefined {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('number')) return 'number';
  if (types.includes('integer')) return 'integer';
  for (const branch of [...((schema.anyOf as Schema[]) ?? []), ...((schema.oneOf as Schema[]) ?? [])]) {
    const kind = numericKind(branch);
    if (kind) return kind;
  }
  return undefined;
}

/** A function converting the numeric strings of values of `schema` in place, or undefined if it has none. */
export function laxNumbers(schema: unknown): Coerce | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const s = schema as Schema;
  const kind = numericKind(s);
  if (kind) {
    const pattern = kind === 'integer' ? INTEGER : NUMBER;
    return (v) => (typeof v === 'string' && pattern.test(v) && Number.isFinite(Number(v)) ? Number(v) : v);
  }
  const props = s.properties as Record<string, unknown> | undefined;
  const fields = Object.entries(props ?? {}).flatMap(([key, sub]) => {
    const c = laxNumbers(sub);
    return c ? [[key, c] as const] : [];
  });
  const items = laxNumbers(s.items);
  if (!fields.length && !items) return undefined;
  return (v) => {
    if (items && Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = items(v[i]);
    } else if (fields.length && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      for (const [key, c] of fields) if (Object.hasOwn(o, key)) o[key] = c(o[key]);
    }
    return v;
  };
}
