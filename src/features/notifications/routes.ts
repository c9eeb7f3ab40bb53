import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses, IdParam, Message } from '../../app/common-schemas.js';
import { MarkAllReply, NotificationList, NotificationQuery } from './schemas.js';
import { NotificationService } from './service.js';

/** `/api/notification/*`: the caller's own notifications. */
export default async function notificationRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const service = new NotificationService(app.database);
  const tags = ['notifications'];

  r.get(
    '/notification/list',
    {
      schema: {
        tags,
        summary: 'My notifications',
        description:
          'Newest first, read ones included unless `unread=true`; pages with `limit` (default 100) and ' +
          '`offset` (`total` counts all matches, `unread` all unread ones). Always has `notifications` (an empty ' +
          'list too, with the original\'s `message: "No notifications found"`).',
        querystring: NotificationQuery,
        response: { 200: NotificationList, ...errorResponses(401, 422) },
      },
    },
    (req) => service.list(req.user, req.query),
  );

  r.post(
    '/notification/mark-read/:notification_id',
    {
      schema: {
        tags,
        summary: 'Mark one of my notifications read',
        description: 'Idempotent. Another user’s notification is 404.',
        params: IdParam('notification_id', 'A notification id from the list.'),
        response: { 200: Message, ...errorResponses(401, 404) },
      },
    },
    (req) => service.markRead(req.user, req.params.notification_id),
  );

  r.post(
    '/notification/mark-all-read',
    {
      schema: {
        tags,
        summary: 'Mark all my notifications read',
        response: { 200: MarkAllReply, ...errorResponses(401) },
      },
    },
    (req) => service.markAllRead(req.user),
  );
}
