import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Nullable } from '../../app/common-schemas.js';

const StatusReply = Type.Object({
  status: Type.String({ description: '`OK`, or `DEGRADED` when the database cannot be reached.' }),
  message: Type.String(),
  database: Type.Object({
    reachable: Type.Boolean(),
    atHead: Nullable(Type.Boolean(), {
      description: 'Whether the schema is at the latest migration; null when the database is unreachable.',
    }),
  }),
});

/** `GET /api/status`: the original's answer plus the database's state (checked at most every 2 s). */
export default async function statusRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/status',
    {
      config: { public: true },
      // Health checks are polled constantly: log them only when something is wrong.
      logLevel: 'warn',
      schema: {
        tags: ['status'],
        summary: 'Server and database status',
        description: '200 when the database is reachable, 503 otherwise. Results are cached for 2 seconds.',
        security: [],
        response: { 200: StatusReply, 503: StatusReply },
      },
    },
    async (_req, reply) => {
      const database = await app.schemaStatus.health();
      if (!database.reachable) {
        // As every 503 for the database: a load balancer or client knows when to look again.
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ status: 'DEGRADED', message: 'Database unreachable', database });
      }
      return { status: 'OK', message: 'Server Is Running', database };
    },
  );
}
