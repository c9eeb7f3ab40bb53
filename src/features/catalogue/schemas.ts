import { Type } from '@sinclair/typebox';
import { ISO_TIMESTAMP, MassAddUnavailable, Nullable } from '../../app/common-schemas.js';
import { NUTRIENTS, NutritionInput, NutritionStatus, NutritionText } from './nutrition.js';

export const ProductName = Type.String({
  minLength: 1,
  maxLength: 255,
  description: 'At least 3 characters once surrounding spaces are removed.',
});
export const Category = Type.String({ minLength: 1, maxLength: 100 });
export const Barcode = Type.String({
  pattern: '^[0-9A-Za-z._-]{1,64}$',
  description: 'EAN/UPC digits or any code of letters, digits, `.`, `_`, `-` (at most 64).',
});

/**
 * A barcode in a request body: as `Barcode`, or empty — a form's blank field, which the original
 * accepted (it ignored the field on add, and kept the old code on update). Checked by the service.
 */
const BodyBarcode = Type.String({
  maxLength: 64,
  description: `${Barcode.description} Empty or blank: none (on update: unchanged).`,
});

export const AddProductBody = Type.Object({
  productName: ProductName,
  category: Category,
  barcode: Type.Optional(Nullable(BodyBarcode)),
  nutrition: Type.Optional(NutritionInput),
});

export const AddProductReply = Type.Object({
  message: Type.String(),
  productId: Type.String(),
  name: Type.String(),
  category: Type.String(),
  barcode: Nullable(Type.String()),
});

/** A page of a list: at most 1,000 rows, as every list of the API. */
const Page = {
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 1000 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
};

export const CatalogueQuery = Type.Object({
  name: Type.Optional(
    Type.String({ maxLength: 255, description: 'Case-insensitive substring of the name.' }),
  ),
  ...Page,
});

export const BarcodeQuery = Type.Object(Page);

export const CatalogueProduct = Type.Object({
  id: Type.String(),
  name: Type.String(),
  category: Type.String(),
  barcode: Nullable(Type.String()),
  nutrition: NutritionText(NUTRIENTS),
  nutritionStatus: NutritionStatus,
  isOwner: Type.Boolean({ description: 'Whether the caller added this product (and so may change it).' }),
  createdAt: Type.String({ description: ISO_TIMESTAMP }),
});

export const CatalogueList = Type.Object({
  products: Type.Array(CatalogueProduct),
  total: Type.Integer({ description: 'Products matching the filter, over all pages.' }),
});

export const UpdateProductBody = Type.Object(
  {
    name: Type.Optional(ProductName),
    category: Type.Optional(
      Type.String({ maxLength: 100, description: 'Empty or blank: unchanged (as in the original).' }),
    ),
    barcode: Type.Optional(Nullable(BodyBarcode)),
    nutrition: Type.Optional(NutritionInput),
  },
  { minProperties: 1 },
);

export const UpdateProductReply = AddProductReply;

export const BarcodeList = Type.Object({
  products: Type.Array(Type.Object({ productName: Type.String(), barcode: Type.String() })),
  total: Type.Integer({ description: 'Products with a barcode, over all pages.' }),
});

export const MassProductItem = Type.Object({
  productName: Type.String({ maxLength: 255 }),
  category: Type.String({ maxLength: 100 }),
  barcode: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  nutrition: Type.Optional(NutritionInput),
});

export const MassAddProductsBody = Type.Object({
  products: Type.Array(Type.Unknown(), {
    maxItems: 500,
    description:
      'Products like `{productName, category, barcode?, nutrition?}` (MassProductItem); each is validated on its ' +
      'own: one that is not such an object is listed in `failed`, the others are added.',
  }),
});

const MassAddProductsSuccess = Type.Array(Type.Object({ productId: Type.String(), name: Type.String() }), {
  description: 'The products added.',
});
const MassAddProductsFailed = Type.Array(
  Type.Object({
    product: Type.Unknown({ description: 'The item as sent.' }),
    reason: Type.String(),
  }),
  { description: 'The products that could not be added, as sent, with the reason.' },
);

export const MassAddProductsReply = Type.Object({
  success: MassAddProductsSuccess,
  failed: MassAddProductsFailed,
});

/** The 503 of a database that became unavailable partway: what was done, and what was not. */
export const MassAddProductsUnavailable = MassAddUnavailable(MassAddProductsSuccess, MassAddProductsFailed);
