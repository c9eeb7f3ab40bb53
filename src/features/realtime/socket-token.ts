import type { FastifyRequest } from 'fastify';
import { bearerToken } from '../../app/tokens.js';

const JWT = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/**
 * The access token of a WebSocket handshake. Browsers cannot set headers on a WebSocket, so
 * besides `Authorization` (other clients) it is taken from `?access_token=` (the original's way)
 * or from `Sec-WebSocket-Protocol` (e.g. `new WebSocket(url, ['bearer', token])`, which keeps it
 * out of URLs and access logs).
 */
export function socketToken(request: FastifyRequest): string | undefined {
  const fromHeader = bearerToken(request.headers.authorization);
  if (fromHeader) return fromHeader;
  const query = request.query as Record<string, unknown> | undefined;
  const fromQuery = query?.access_token;
  if (typeof fromQuery === 'string' && fromQuery.length > 0) return fromQuery;
  return offeredProtocols(request.headers['sec-websocket-protocol']).find((p) => JWT.test(p));
}

export function offeredProtocols(header: string | string[] | undefined): string[] {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * The subprotocol to answer with. A browser fails the connection unless the server picks one
 * it offered: the first that is not the token (`bearer`), else the token itself.
 */
export function chooseProtocol(offered: Set<string>): string | false {
  const all = [...offered];
  return all.find((p) => !JWT.test(p)) ?? all[0] ?? false;
}
