import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses, IdParam } from '../../app/common-schemas.js';
import {
  ExpiredProducts,
  ExpiryTrends,
  NutrientsReply,
  TrendsQuery,
  WastageByCategory,
  WastedVsEaten,
} from './schemas.js';
import { StatsService } from './service.js';

/** `/api/stats/*`: every figure is over the caller's own inventory (the original mixed all users). */
export default async function statsRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const service = new StatsService(app.database, app.today);
  const tags = ['stats'];

  r.get(
    '/stats/expired-products',
    {
      schema: {
        tags,
        summary: 'My expired items by expiry date',
        response: { 200: ExpiredProducts, ...errorResponses(401) },
      },
    },
    (req) => service.expiredProducts(req.user),
  );

  r.get(
    '/stats/expiry-trends',
    {
      schema: {
        tags,
        summary: 'My items by expiry date: expiring, eaten, wasted',
        querystring: TrendsQuery,
        response: { 200: ExpiryTrends, ...errorResponses(401, 422) },
      },
    },
    (req) => service.expiryTrends(req.user, req.query.days),
  );

  r.get(
    '/stats/wastage-category',
    {
      schema: {
        tags,
        summary: 'Share of my wasted items per category',
        response: { 200: WastageByCategory, ...errorResponses(401) },
      },
    },
    (req) => service.wastageByCategory(req.user),
  );

  r.get(
    '/stats/wasted-vs-eaten',
    {
      schema: {
        tags,
        summary: 'How many of my items were wasted, are active, were eaten',
        response: { 200: WastedVsEaten, ...errorResponses(401) },
      },
    },
    (req) => service.wastedVsEaten(req.user),
  );

  r.get(
    '/stats/nutrients/:product_id',
    {
      schema: {
        tags,
        summary: 'Nutrients of a product',
        description:
          'By catalogue product id or by one of my item ids. Numbers per 100 g (see `units`); null when unknown.',
        params: IdParam('product_id', 'A catalogue product id or one of my item ids.'),
        response: { 200: NutrientsReply, ...errorResponses(401, 404) },
      },
    },
    (req) => service.nutrients(req.user, req.params.product_id),
  );
}
