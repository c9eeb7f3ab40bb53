import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import sjson from 'secure-json-parse';
import { isForeignKeyViolation, isUniqueViolation, unavailableKind } from '../../db/errors.js';
import { HttpError, ValidationFailure } from '../http-error.js';
import { unavailableDetail } from '../unavailable-detail.js';
import { UnavailableWithProgress } from '../unavailable-with-progress.js';
import { fieldErrors } from '../validation.js';

/** A malformed JSON body: the original's 422 with the character offset as `field`. */
class JsonBodyError extends ValidationFailure {}

function jsonOffset(e: unknown, body: string): number {
  const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  return m ? Number(m[1]) : body.length;
}

/**
 * Any structured-syntax JSON type, `application/<x>+json` (RFC 6839), e.g. `application/vnd.api+json`,
 * with or without parameters (Fastify tests the type as `type/subtype; key="value"`).
 */
const JSON_SUFFIX = /^application\/[^\s/;]+\+json(?:;|$)/;

/** Paths of the routes, to tell 405 (path known, method not) from 404. */
interface RouteShape {
  method: string;
  pattern: RegExp;
}

function routePattern(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}

/**
 * Every error becomes a clear answer: 422 `{"errors":[{field, message}]}` for invalid input
 * (schema, malformed JSON, a handler's own check), `{"detail": "…"}` with the right status for
 * everything else; a constraint violation the handlers did not foresee is a 409, and a database
 * that cannot serve right now a 503 with Retry-After — never a 500.
 * Unknown paths are 404, known paths with another method 405.
 */
async function errorsPlugin(app: FastifyInstance): Promise<void> {
  // JSON is UTF-8 (RFC 8259): a body that is not is refused, not decoded to U+FFFD and stored.
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const parseJson = (
    _req: FastifyRequest,
    body: string | Buffer,
    done: (err: Error | null, value?: unknown) => void,
  ) => {
    let text: string;
    try {
      text = typeof body === 'string' ? body : utf8.decode(body);
    } catch {
      return done(new JsonBodyError([{ field: 'body', message: 'The body is not valid UTF-8' }]));
    }
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (e) {
      if (e instanceof SyntaxError && /prototype|constructor/i.test(e.message) && !/JSON/.test(e.message)) {
        return done(
          new JsonBodyError([{ field: 'body', message: 'Object contains forbidden prototype property' }]),
        );
      }
      done(new JsonBodyError([{ field: jsonOffset(e, text), message: 'JSON decode error' }]));
    }
  };
  // Fastify's types take one RegExp or a list of strings, so the two are registered one by one.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJson);
  app.addContentTypeParser(JSON_SUFFIX, { parseAs: 'buffer' }, parseJson);

  const routes: RouteShape[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method: String(method), pattern: routePattern(route.url) });
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = [
      ...new Set(routes.filter((r) => r.pattern.test(path) && r.method !== 'HEAD').map((r) => r.method)),
    ];
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      return reply.code(405).header('allow', allowed.join(', ')).send({ detail: 'Method Not Allowed' });
    }
    return reply.code(404).send({ detail: 'Not Found' });
  });

  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ValidationFailure) return reply.code(422).send({ errors: error.errors });
    if (error instanceof HttpError) {
      return reply.code(error.statusCode).headers(error.headers).send({ detail: error.detail });
    }
    const fe = error as FastifyError & { validation?: ErrorObject[]; validationContext?: string };
    if (fe.validation) {
      if (fe.validationContext === 'body' && request.body === undefined) {
        return reply.code(422).send({ errors: [{ field: 'body', message: 'Field required' }] });
      }
      return reply.code(422).send({ errors: fieldErrors(fe.validation, fe.validationContext) });
    }
    if (isUniqueViolation(error)) {
      request.log.warn({ err: error }, 'unique constraint violated');
      return reply.code(409).send({ detail: 'A conflicting record already exists' });
    }
    if (isForeignKeyViolation(error)) {
      request.log.warn({ err: error }, 'foreign key constraint violated');
      return reply.code(409).send({ detail: 'The record is referenced by, or refers to, a missing record' });
    }
    // Before the database check: a client that hangs up in the middle of its body is Node's
    // 'aborted' error, code ECONNRESET, which Fastify marks 400 — the client's fault, not the database's.
    const status = fe.statusCode;
    if (status && status >= 400 && status < 500) {
      if (status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
      const detail = (error as { detail?: unknown }).detail;
      return reply.code(status).send({ detail: typeof detail === 'string' ? detail : error.message });
    }
    const unavailable = unavailableKind(error);
    if (unavailable) {
      const partial = error instanceof UnavailableWithProgress;
      request.log.error({ err: partial ? error.cause : error }, 'database unavailable');
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({ detail: unavailableDetail(unavailable, partial), ...(partial ? error.progress : {}) });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ detail: 'Internal server error' });
  });
}

export default fp(errorsPlugin, { name: 'errors' });
