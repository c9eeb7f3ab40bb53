import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses, IdParam, Message } from '../../app/common-schemas.js';
import { newProductRules } from './new-product-rules.js';
import {
  AddProductBody,
  AddProductReply,
  BarcodeList,
  BarcodeQuery,
  CatalogueList,
  CatalogueQuery,
  MassAddProductsBody,
  MassAddProductsReply,
  MassAddProductsUnavailable,
  UpdateProductBody,
  UpdateProductReply,
} from './schemas.js';
import { CatalogueService } from './service.js';

const ProductId = IdParam('product_id', 'A catalogue product id.');

/** `/api/product/inventory/*` and `/api/product/barcodes`: the shared catalogue. */
export default async function catalogueRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const service = new CatalogueService(
    app.database,
    (e) => app.log.error({ err: e }, 'mass add item failed'),
    newProductRules(app),
  );
  const tags = ['catalogue'];

  r.post(
    '/product/inventory/add',
    {
      schema: {
        tags,
        summary: 'Add a product to the catalogue',
        description:
          'The caller becomes its owner. Names (case-insensitive) and barcodes are unique in the catalogue (409).',
        body: AddProductBody,
        response: { 200: AddProductReply, ...errorResponses(401, 409, 422, 429) },
      },
    },
    (req) => service.add(req.user, req.body),
  );

  r.get(
    '/product/inventory/list',
    {
      schema: {
        tags,
        summary: 'List the catalogue',
        description:
          'Ordered by name, ignoring letter case (code point by code point, the same on every database); `name` filters by case-insensitive substring. One database query.',
        querystring: CatalogueQuery,
        response: { 200: CatalogueList, ...errorResponses(401, 422) },
      },
    },
    (req) => service.list(req.user, req.query),
  );

  r.put(
    '/product/inventory/update/:product_id',
    {
      schema: {
        tags,
        summary: 'Change a catalogue product',
        description:
          'Only by the user who added it (403 otherwise) and not while another user holds it (409). ' +
          '`barcode: null` removes the barcode; `nutrition` replaces the nutrients.',
        params: ProductId,
        body: UpdateProductBody,
        response: { 200: UpdateProductReply, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    (req) => service.update(req.user, req.params.product_id, req.body),
  );

  r.delete(
    '/product/inventory/delete/:product_id',
    {
      schema: {
        tags,
        summary: 'Delete a catalogue product',
        description:
          "Only by the user who added it (403 otherwise) and not while another user's inventory holds it " +
          "(409, with the reason). The caller's own items of it are deleted with it.",
        params: ProductId,
        response: { 200: Message, ...errorResponses(401, 403, 404, 409) },
      },
    },
    (req) => service.remove(req.user, req.params.product_id),
  );

  r.get(
    '/product/barcodes',
    {
      schema: {
        tags,
        summary: 'Products that have a barcode',
        description: 'A page of at most `limit` (default and most 1,000) by name; `total` counts them all.',
        querystring: BarcodeQuery,
        response: { 200: BarcodeList, ...errorResponses(401, 422) },
      },
    },
    (req) => service.barcodes(req.query),
  );

  r.post(
    '/product/inventory/add-mass',
    {
      config: { itemsCheckedApart: 'products' },
      schema: {
        tags,
        summary: 'Add many products',
        description:
          'Each product is added on its own (atomically); failures are reported in `failed` with the ' +
          'reason and do not stop the others. At most 500 per request. Should the database become ' +
          'unavailable partway, the reply is a 503 that lists what was added (`success`), what failed ' +
          '(`failed`) and what was not tried (`pending`), so that only `pending` needs sending again.',
        body: MassAddProductsBody,
        response: {
          200: MassAddProductsReply,
          ...errorResponses(401, 422),
          503: MassAddProductsUnavailable,
        },
      },
    },
    (req) => service.addMass(req.user, req.body.products),
  );
}
