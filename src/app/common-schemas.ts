import { type SchemaOptions, type TSchema, type TString, Type } from '@sinclair/typebox';

/**
 * `T | null`: as a JSON Schema type list for a schema of one type (one error message, unlike
 * anyOf), else as a union with null.
 */
export function Nullable<T extends TSchema>(schema: T, options: SchemaOptions = {}) {
  const type = (schema as { type?: unknown }).type;
  if (typeof type !== 'string' || type === 'object' || type === 'array') {
    return Type.Unsafe<T['static'] | null>(Type.Union([schema, Type.Null()], options));
  }
  return Type.Unsafe<T['static'] | null>({ ...schema, ...options, type: [type, 'null'] });
}

export const ErrorDetail = Type.Object(
  { detail: Type.String({ description: 'What went wrong.' }) },
  { $id: 'ErrorDetail', description: 'An error with its reason.' },
);

export const ValidationErrors = Type.Object(
  {
    errors: Type.Array(
      Type.Object({
        field: Type.Union([Type.String(), Type.Integer()], {
          description:
            'The offending field, `body` for the body as a whole, or the character offset of a JSON syntax error.',
        }),
        message: Type.String(),
      }),
    ),
  },
  { $id: 'ValidationErrors', description: 'The request does not match the schema.' },
);

export const Message = Type.Object({ message: Type.String() });

/** A path id: an id the caller got from a listing. Unknown ids are 404s, not validation errors. */
export const IdParam = <K extends string>(name: K, description: string) =>
  Type.Object({ [name]: Type.String({ minLength: 1, maxLength: 64, description }) } as Record<K, TString>);

const ref = (id: string) => Type.Unsafe({ $ref: `${id}#` });

/** The error answers every authenticated route may give, for the OpenAPI document. */
export function errorResponses(...codes: number[]) {
  const out: Record<number, TSchema> = {};
  for (const c of codes) out[c] = c === 422 ? ref('ValidationErrors') : ref('ErrorDetail');
  return out;
}

export const ISO_TIMESTAMP = 'ISO 8601 UTC timestamp, e.g. 2026-11-25T17:28:15.415Z';

/**
 * The 503 of an `add-mass` whose database became unavailable partway (see addEach): what was
 * done, and what was not, with the 200's `success` and `failed`. Only `detail` when the request
 * did not get as far as the items (its token check was the 503).
 */
export function MassAddUnavailable(success: TSchema, failed: TSchema) {
  return Type.Object(
    {
      detail: Type.String(),
      success: Type.Optional(success),
      failed: Type.Optional(failed),
      pending: Type.Optional(
        Type.Array(Type.Unknown(), {
          description:
            'The items not added, as sent, from the one the database failed on: send these again. (Should the ' +
            'database have failed after committing that first one, before answering, it is there too.)',
        }),
      ),
    },
    { description: 'The database became unavailable: the items added before that stay added.' },
  );
}
