import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * CORS for the origins in `CORS_ORIGINS` only, with credentials, as the original answered
 * preflights (methods list, 10-minute max-age). Other origins get no CORS headers.
 */
async function corsPlugin(app: FastifyInstance, opts: { origins: string[] }): Promise<void> {
  const allowed = new Set(opts.origins);
  // A preflight from an origin not allowed: the original's answer (Starlette's), 400 "Disallowed
  // CORS origin" without CORS headers, rather than falling through to a 405 for OPTIONS.
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method'] || origin === undefined)
      return;
    if (!allowed.has(origin)) return reply.code(400).send({ detail: 'Disallowed CORS origin' });
  });
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
    maxAge: 600,
    exposedHeaders: ['x-request-id', 'retry-after'],
  });
}

export default fp(corsPlugin, { name: 'cors' });
