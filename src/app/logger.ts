import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { pino } from 'pino';
import type { Output } from '../migrate/index.js';

type SerializedError = ReturnType<typeof pino.stdSerializers.err>;

/**
 * pino JSON on stdout, written asynchronously (the event loop does not wait for the pipe; flushed
 * on close); pretty-printed when stdout is a terminal.
 */
export function defaultLogger(level: string): FastifyServerOptions['logger'] {
  const common = {
    level,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    // The WebSocket route takes the token in its query string (as the original did): never log it.
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: redactTokens(req.url),
        remoteAddress: req.ip,
      }),
      err: serializeError,
    },
  };
  if (process.stdout.isTTY) {
    return {
      ...common,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    };
  }
  return { ...common, stream: pino.destination({ dest: 1, sync: false }) };
}

/** A JWT (its header is base64url JSON, so it starts with `eyJ`, which is `{"`). */
const JWT_VALUE = /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/;

/** A query-string part as the server reads it: `+` is a space, %XX escapes decoded. */
function decodeQueryPart(part: string): string {
  if (!/[%+]/.test(part)) return part;
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/**
 * `?access_token=…` → `?access_token=[redacted]` in a logged URL. The parameter's name is
 * compared decoded, as the query parser reads it (`?access%5Ftoken=…` opens a socket too). A JWT
 * under any other name (a client's mistake, but a valid credential all the same) is redacted too.
 */
export function redactTokens(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const name = pair.slice(0, eq);
      const secret =
        decodeQueryPart(name).toLowerCase() === 'access_token' ||
        JWT_VALUE.test(decodeQueryPart(pair.slice(eq + 1)));
      return secret ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}

/**
 * pino's error serializer without `sql`: mysql2 puts there the failed statement with every bound
 * value written in (a password hash being checked or set, an e-mail, notes), and a failed query's
 * error is logged. The message, code and SQL state stay.
 */
export function serializeError(error: Error): SerializedError {
  const out = pino.stdSerializers.err(error);
  // Not an error: pino gives it back as it is, and it is not ours to change.
  if (typeof out !== 'object' || out === null || (out as unknown) === error) return out;
  withoutStatements(out, Object.getPrototypeOf(out), 0);
  return out;
}

/** Deletes `sql` from a serialized error and the errors pino serialized inside it (same prototype). */
function withoutStatements(e: object, serialized: object, depth: number): void {
  delete (e as { sql?: unknown }).sql;
  if (depth >= 4) return;
  for (const v of Object.values(e)) {
    for (const inner of Array.isArray(v) ? v : [v]) {
      if (typeof inner === 'object' && inner !== null && Object.getPrototypeOf(inner) === serialized) {
        withoutStatements(inner, serialized, depth + 1);
      }
    }
  }
}

/** A silent Output that sends the engine's lines to a pino logger. */
export function loggerOutput(app: FastifyInstance): Output {
  return {
    info: (logger, message) => app.log.info({ logger }, message),
    warn: (logger, message) => app.log.warn({ logger }, message),
    error: (logger, message) => app.log.error({ logger }, message),
    stdout: (text) => app.log.info(text.trimEnd()),
  };
}
