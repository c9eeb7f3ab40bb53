import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * CORS for the origins in `CORS_ORIGINS` only, with credentials, as the original answered
 * preflights (methods list, 10-minute max-age). Other origins get no CORS headers.
 */
async function corsPlugin(app: FastifyInstance, opts: { origins: string[] }): Promise<void> {
  const allowed = new Set(opts.origins);
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
    maxAge: 600,
    exposedHeaders: ['x-request-id', 'retry-after'],
  });
}

export default fp(corsPlugin, { name: 'cors' });
