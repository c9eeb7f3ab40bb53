import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The OpenAPI 3.1 document, generated from the route schemas, at `/api/openapi.json`, and
 * Swagger UI at `/docs`, public. Registered only when `API_DOCS` is on (see AppConfig.apiDocs).
 */
async function swaggerPlugin(app: FastifyInstance, opts: { version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'ExpireEye API',
        version: opts.version,
        description:
          'Track food at home before it expires. Authenticate with `POST /api/auth/login`, then send ' +
          '`Authorization: Bearer <token>`. Validation errors are 422 `{"errors":[{"field","message"}]}`; ' +
          'other errors `{"detail": "…"}`. Timestamps are ISO 8601 UTC; dates are `YYYY-MM-DD`.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: 'status' },
        { name: 'auth' },
        { name: 'user' },
        { name: 'catalogue', description: 'The shared product catalogue.' },
        { name: 'inventory', description: "The caller's own items." },
        { name: 'notifications' },
        { name: 'stats', description: "Statistics over the caller's inventory only." },
      ],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { url: '/api/openapi.json', deepLinking: false },
    staticCSP: false,
  });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () =>
    app.swagger(),
  );
}

export default fp(swaggerPlugin, { name: 'swagger' });
