import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { isRealDate } from '../db/dates.js';
import { isEmailAddress } from './email-address.js';
import { type FieldError, ValidationFailure } from './http-error.js';
import { laxNumbers } from './lax-numbers.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** 'YYYY-MM-DD', a real calendar day. */
export const DATE_FORMAT = 'iso-date';
/** A real calendar day or '' (an HTML form's empty date field, read as "no date"). */
export const DATE_OR_EMPTY_FORMAT = 'iso-date-or-empty';
/** 'YYYY-MM-DD', optionally followed by a time (the original's front end sends datetimes); the day is kept. */
export const DATE_OR_DATETIME_FORMAT = 'iso-date-or-datetime';

/** What may follow the day: a real time of day (seconds up to 60, a leap second) and offset. */
const DATETIME_TAIL =
  /^(T([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$/;

/** A real day, optionally followed by a real time of day and an offset (DATE_OR_DATETIME_FORMAT). */
export function isDateOrDateTime(s: string): boolean {
  return isRealDate(s.slice(0, 10)) && DATETIME_TAIL.test(s.slice(10));
}

function makeAjv(coerce: Options['coerceTypes']): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce,
    useDefaults: true,
    removeAdditional: true,
    allErrors: true,
    strict: false,
  });
  addFormats(ajv, ['uuid', 'date-time']);
  ajv.addFormat('email', { type: 'string', validate: isEmailAddress });
  ajv.addFormat(DATE_FORMAT, { type: 'string', validate: isRealDate });
  ajv.addFormat(DATE_OR_EMPTY_FORMAT, { type: 'string', validate: (s: string) => s === '' || isRealDate(s) });
  ajv.addFormat(DATE_OR_DATETIME_FORMAT, { type: 'string', validate: isDateOrDateTime });
  return ajv;
}

// Shared by every app of the process: Ajv caches what it compiled by schema object, and the
// routes' schemas are module constants, so a second app (tests build hundreds) compiles nothing.
const strictAjv = makeAjv(false);
const coercingAjv = makeAjv('array');

type Validate = ((data: unknown, ctx?: unknown) => boolean) & { errors?: unknown; schemaEnv?: unknown };

/**
 * Two validators: bodies are JSON and keep their types (`123` is not a name; only a number written
 * as digits is read as a number, see lax-numbers.ts), while query strings and path parameters are
 * text and are coerced to the declared types.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  return ({ schema, httpPart }) => {
    if (httpPart !== 'body') return textValidator(schema as object);
    const validate = strictAjv.compile(schema as object) as unknown as Validate;
    const lax = laxNumbers(schema);
    const { minProperties: minFields, properties } = schema as {
      minProperties?: number;
      properties?: Record<string, unknown>;
    };
    if (!lax && minFields === undefined) return validate as ReturnType<FastifySchemaCompiler<unknown>>;
    const wrapped: Validate = (data, ctx) => {
      const ok = validate(lax ? lax(data) : data, ctx);
      wrapped.errors = validate.errors;
      // Ajv's `minProperties` counts fields the route does not know (and ignores): `{"email":…}` on
      // a route that cannot change the e-mail would pass as a change of nothing. Known ones only.
      if (ok && minFields !== undefined && properties && data !== null && typeof data === 'object') {
        if (Object.keys(data).filter((k) => Object.hasOwn(properties, k)).length < minFields) {
          wrapped.errors = [
            {
              keyword: 'minProperties',
              instancePath: '',
              schemaPath: '#/minProperties',
              params: { limit: minFields },
            },
          ];
          return false;
        }
      }
      return ok;
    };
    wrapped.schemaEnv = validate.schemaEnv;
    return wrapped as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}

/**
 * A form or query boolean as HTML forms and pydantic write it: true/false, 1/0, yes/no, on/off, any
 * case; absent or empty is false. Anything else (a typo such as `ture`) is undefined: a 422, not a
 * silent false.
 */
export function formBoolean(v: string | undefined): boolean | undefined {
  const t = v?.trim().toLowerCase() ?? '';
  if (/^(1|true|yes|on)$/.test(t)) return true;
  if (/^(|0|false|no|off)$/.test(t)) return false;
  return undefined;
}

/**
 * Query strings and path parameters: text, coerced to the declared types. Their booleans are read
 * as `formBoolean` does (`?unread=1`, `?unread=yes`), where Ajv's coercion knows only true/false.
 */
function textValidator(schema: object): ReturnType<FastifySchemaCompiler<unknown>> {
  const validate = coercingAjv.compile(schema) as unknown as Validate;
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const booleans = Object.keys(properties).filter((k) => properties[k]!.type === 'boolean');
  if (booleans.length === 0) return validate as ReturnType<FastifySchemaCompiler<unknown>>;
  const wrapped: Validate = (data, ctx) => {
    if (data !== null && typeof data === 'object') {
      const fields = data as Record<string, unknown>;
      for (const k of booleans) {
        const value = typeof fields[k] === 'string' ? formBoolean(fields[k]) : undefined;
        if (value !== undefined) fields[k] = value;
      }
    }
    const ok = validate(data, ctx);
    wrapped.errors = validate.errors;
    return ok;
  };
  wrapped.schemaEnv = validate.schemaEnv;
  return wrapped as ReturnType<FastifySchemaCompiler<unknown>>;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a valid string',
  integer: 'a valid integer',
  number: 'a valid number',
  boolean: 'a valid boolean',
  object: 'a valid dictionary or object',
  array: 'a valid list',
  null: 'None',
};

function message(e: ErrorObject): string {
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'required':
      return 'Field required';
    case 'type': {
      const types = String(p.type)
        .split(',')
        .filter((t) => t !== 'null');
      return `Input should be ${types.map((t) => TYPE_NAMES[t] ?? t).join(' or ')}`;
    }
    case 'format':
      if (p.format === 'email') return 'value is not a valid email address';
      if (p.format === DATE_FORMAT || p.format === DATE_OR_EMPTY_FORMAT) {
        return 'Input should be a valid date in the format YYYY-MM-DD';
      }
      if (p.format === DATE_OR_DATETIME_FORMAT) {
        return 'Input should be a valid date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SS)';
      }
      return `Input should be a valid ${p.format}`;
    case 'minLength':
      return `String should have at least ${p.limit} character${p.limit === 1 ? '' : 's'}`;
    case 'maxLength':
      return `String should have at most ${p.limit} characters`;
    case 'minimum':
      return `Input should be greater than or equal to ${p.limit}`;
    case 'maximum':
      return `Input should be less than or equal to ${p.limit}`;
    case 'exclusiveMinimum':
      return `Input should be greater than ${p.limit}`;
    case 'enum':
      return `Input should be ${(p.allowedValues as unknown[]).map((v) => `'${v}'`).join(', ')}`;
    case 'const':
      return `Input should be '${p.allowedValue}'`;
    case 'pattern':
      return e.message ? `String ${e.message.replace(/^must /, 'should ')}` : 'String has an invalid form';
    case 'minItems':
      return `List should have at least ${p.limit} item${p.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `List should have at most ${p.limit} items`;
    case 'minProperties':
      return 'At least one field is required';
    case 'additionalProperties':
      return 'Extra inputs are not permitted';
    default:
      return e.message ?? 'Invalid value';
  }
}

function choiceMessage(values: unknown[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return `Input should be ${quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted[0]}`;
}

/**
 * Ajv errors in the original's shape: `field` is the last element of the location (a property
 * name, or a list index as a number), `body` for the body as a whole; the message follows
 * pydantic's wording where there is one.
 */
export function fieldErrors(errors: ErrorObject[], part: string | undefined): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  // A choice (a union of literals) fails once per literal, then once more for the union itself:
  // one error listing the choices instead, in pydantic's words ("Input should be 'a', 'b' or 'c'").
  const choices = new Map<string, unknown[]>();
  for (const e of errors) {
    if (e.keyword === 'const' && e.schemaPath.includes('/anyOf/')) {
      const values = choices.get(e.instancePath) ?? [];
      values.push((e.params as { allowedValue: unknown }).allowedValue);
      choices.set(e.instancePath, values);
    }
  }
  for (const e of errors) {
    if (e.keyword === 'anyOf' && choices.has(e.instancePath)) continue;
    let field: string | number;
    if (e.keyword === 'required') field = String((e.params as { missingProperty: string }).missingProperty);
    else if (e.keyword === 'additionalProperties') {
      field = String((e.params as { additionalProperty: string }).additionalProperty);
    } else {
      const last = e.instancePath.split('/').pop() ?? '';
      const unescaped = last.replaceAll('~1', '/').replaceAll('~0', '~');
      field = unescaped === '' ? (part ?? 'body') : /^\d+$/.test(unescaped) ? Number(unescaped) : unescaped;
    }
    const listed = e.keyword === 'const' ? choices.get(e.instancePath) : undefined;
    const entry = { field, message: listed ? choiceMessage(listed) : message(e) };
    const key = `${e.instancePath}|${field}|${entry.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}

/**
 * A checker for values validated inside a handler (mass-add items), with the same messages, a
 * string that cannot be stored (rejectNulCharacters, which leaves such items to it) included.
 */
export function compileChecker(schema: object): (value: unknown) => FieldError[] {
  const validate = strictAjv.compile(schema);
  const lax = laxNumbers(schema);
  return (value) => {
    const bad = findBadString(value, 'body');
    if (bad !== undefined) return [bad];
    return validate(lax ? lax(value) : value) ? [] : fieldErrors(validate.errors ?? [], 'body');
  };
}

/**
 * Why a string cannot be stored as given, or undefined: U+0000 (PostgreSQL cannot store it), or a
 * lone UTF-16 surrogate (JSON's "\ud800" has no UTF-8 form; the drivers would store U+FFFD).
 * With the `u` flag a surrogate pair is one code point, so `\p{Cs}` only matches lone halves.
 */
export function stringProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'String should not contain NUL characters';
  if (/\p{Cs}/u.test(s)) return 'String should be valid Unicode';
  return undefined;
}

/** The first string that cannot be stored, with its path, or undefined. */
function findBadString(value: unknown, key: string | number, depth = 0): FieldError | undefined {
  if (typeof value === 'string') {
    const message = stringProblem(value);
    return message === undefined ? undefined : { field: key, message };
  }
  if (depth > 32 || typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findBadString(value[i], i, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const found = findBadString(v, k, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * preValidation hook: a NUL character or a lone surrogate anywhere in the input is a 422 on every
 * dialect alike — except in the items of a list whose route validates each item apart
 * (`config.itemsCheckedApart`, the add-mass routes): there it is that item's failure, and the
 * others are added.
 */
export async function rejectNulCharacters(request: {
  body?: unknown;
  query?: unknown;
  params?: unknown;
  routeOptions?: { config?: { itemsCheckedApart?: string } };
}): Promise<void> {
  let body = request.body;
  const apart = request.routeOptions?.config?.itemsCheckedApart;
  if (apart && typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const { [apart]: _items, ...rest } = body as Record<string, unknown>;
    body = rest;
  }
  for (const [part, value] of [
    ['body', body],
    ['query', request.query],
    ['path', request.params],
  ] as const) {
    const found = findBadString(value, part);
    if (found !== undefined) throw new ValidationFailure([found]);
  }
}
