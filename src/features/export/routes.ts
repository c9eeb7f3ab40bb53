import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../app/common-schemas.js';
import { AccountExport } from './schemas.js';
import { ExportService } from './service.js';

/** `GET /api/user/export`: the caller's own data, as one JSON document to download. */
export default async function exportRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const service = new ExportService(app.database, app.today);

  r.get(
    '/user/export',
    {
      schema: {
        tags: ['user'],
        summary: 'Download all my data',
        description:
          'Profile, every inventory item (whatever its status), notifications, scan log and the ' +
          'catalogue entries you added, as one JSON document (sent as an attachment). Nothing about ' +
          'other users; never the password hash.',
        response: { 200: AccountExport, ...errorResponses(401) },
      },
    },
    async (req, reply) => {
      const doc = await service.export(req.user);
      // Dated as the user's day (APP_TIMEZONE), as the export's statuses are, not UTC's.
      reply.header('content-disposition', `attachment; filename="expireeye-export-${app.today()}.json"`);
      return doc;
    },
  );
}
