import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses, IdParam } from '../../app/common-schemas.js';
import { newProductRules } from '../catalogue/new-product-rules.js';
import {
  AddItemBody,
  AddItemQuery,
  AddItemReply,
  InventoryList,
  ListQuery,
  MassAddItemsBody,
  MassAddItemsReply,
  MassAddItemsUnavailable,
  UpdateItemBody,
  UpdateItemReply,
} from './schemas.js';
import { InventoryService } from './service.js';

const ItemId = IdParam(
  'product_id',
  'The item’s own id (`itemId`), or — as the original front end sends — a catalogue product id, which ' +
    'addresses the caller’s earliest-added item of that product.',
);

const RemoveReply = Type.Object({ message: Type.String(), itemId: Type.String(), productId: Type.String() });

/** `/api/product/user/*`: the caller's own inventory. */
export default async function inventoryRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const service = new InventoryService(
    app.database,
    (e, what) => app.log.error({ err: e }, what),
    app.publishNotifications,
    app.today,
    newProductRules(app),
    app.dayOf,
  );
  const tags = ['inventory'];

  r.post(
    '/product/user/add',
    {
      // An add by barcode may ask the barcode provider: it spends the per-user scan budget.
      config: {
        rateLimit: {
          ...app.scanning.rateLimit,
          allowList: (req: { query: unknown }) => (req.query as { barcode?: string }).barcode === undefined,
        },
      },
      // With ?barcode= the body may be left out. A form's blank date field is no date (the original
      // ignored the field), as an empty note is no note.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
        const body = req.body as { expiryDate?: unknown };
        if (typeof body === 'object' && body.expiryDate === '') body.expiryDate = null;
      },
      schema: {
        tags,
        summary: 'Add an item to my inventory',
        description:
          'By `?barcode=` (a catalogue product with that barcode, else 404) or by `name` (matched ' +
          'case-insensitively; added to the catalogue when new). The expiry date is `expiryDate` when ' +
          'given; when the item is scanned (barcode or `isScannedProduct`) without a date, or when ' +
          '`estimateExpiry` is true, it is estimated from a shelf-life table (`expiryEstimated: true`); ' +
          'otherwise it is unknown (null). Scans also create an `info` notification. Adds by barcode spend ' +
          'the per-user scan budget (`SCAN_RATE_LIMIT_PER_MINUTE`, 429 past it).',
        querystring: AddItemQuery,
        body: AddItemBody,
        response: { 200: AddItemReply, ...errorResponses(401, 404, 409, 422, 429) },
      },
    },
    async (req) => {
      // A barcode not yet in the catalogue is looked up (Open Food Facts, when enabled) and cached there first.
      if (req.query.barcode !== undefined) await app.scanning?.lookup.lookup(req.query.barcode);
      return service.add(req.user, req.body, req.query.barcode);
    },
  );

  r.get(
    '/product/user/list',
    {
      schema: {
        tags,
        summary: 'List my inventory',
        description:
          'Newest first by default; sorts by `addedAt`, `expiryDate`, `name` or `quantity`; filters by ' +
          '`status`, `expiringWithinDays` and `name`; pages with `limit`/`offset` (`total` counts all ' +
          'matches). One database query however many items.',
        querystring: ListQuery,
        response: { 200: InventoryList, ...errorResponses(401, 422) },
      },
    },
    (req) => service.list(req.user, req.query),
  );

  r.put(
    '/product/user/update/:product_id',
    {
      schema: {
        tags,
        summary: 'Change one of my items',
        description:
          'Any of quantity, expiry date (null clears it), notes (empty or null clears them), status. ' +
          'Another user’s item is 404.',
        params: ItemId,
        body: UpdateItemBody,
        response: { 200: UpdateItemReply, ...errorResponses(401, 404, 422) },
      },
    },
    (req) => service.update(req.user, req.params.product_id, req.body),
  );

  r.delete(
    '/product/user/delete/:product_id',
    {
      schema: {
        tags,
        summary: 'Remove one of my items',
        description: 'Another user’s item is 404.',
        params: ItemId,
        response: { 200: RemoveReply, ...errorResponses(401, 404) },
      },
    },
    (req) => service.remove(req.user, req.params.product_id),
  );

  r.post(
    '/product/user/add-mass',
    {
      config: { itemsCheckedApart: 'products' },
      schema: {
        tags,
        summary: 'Add many items',
        description:
          'Each item is validated and added on its own, atomically; failures are listed in `failed` with ' +
          'the reason and do not stop the others. `is_scanned_product` (or `isScannedProduct`) estimates a ' +
          'missing expiry date. At most 500 items. Should the database become unavailable partway, the ' +
          'reply is a 503 that lists what was added (`success`), what failed (`failed`) and what was not ' +
          'tried (`pending`), so that only `pending` needs sending again.',
        body: MassAddItemsBody,
        response: { 200: MassAddItemsReply, ...errorResponses(401, 422), 503: MassAddItemsUnavailable },
      },
    },
    (req) => service.addMass(req.user, req.body.products),
  );
}
