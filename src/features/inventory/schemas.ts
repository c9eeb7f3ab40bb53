import { Type } from '@sinclair/typebox';
import { ISO_TIMESTAMP, MassAddUnavailable, Nullable } from '../../app/common-schemas.js';
import { DATE_OR_DATETIME_FORMAT } from '../../app/validation.js';
import { INVENTORY_NUTRIENT_ORDER, NutritionStatus, NutritionText } from '../catalogue/nutrition.js';
import { Barcode } from '../catalogue/schemas.js';

export const STATUSES = ['active', 'expired', 'consumed', 'discarded'] as const;

const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'How many (at least 1).' });
const ExpiryDate = Type.String({
  format: DATE_OR_DATETIME_FORMAT,
  description:
    'YYYY-MM-DD, or a date-time: without an offset (`2030-01-01T00:00:00`) its day as written, with one ' +
    '(`Z`, `+09:00`) the day that instant falls on in `APP_TIMEZONE`.',
});
const Notes = Type.String({ maxLength: 2000 });
/**
 * An item's category only matters when its product is new to the catalogue, and is optional:
 * blank (a form's empty field) is "none given", as on the original's `user/add`. The catalogue's
 * own `inventory/add` requires a category, so there a blank one is a 422.
 */
const NewProductCategory = Type.String({
  maxLength: 100,
  description: 'For a product new to the catalogue; empty or absent: `Uncategorized`.',
});

export const AddItemQuery = Type.Object({
  barcode: Type.Optional(Barcode),
});

export const AddItemBody = Type.Object({
  name: Type.Optional(
    Type.String({
      maxLength: 255,
      description: 'Product name, matched case-insensitively in the catalogue; created there when new.',
    }),
  ),
  quantity: Type.Optional(Quantity),
  category: Type.Optional(NewProductCategory),
  expiryDate: Type.Optional(
    Nullable(ExpiryDate, {
      description: `${ExpiryDate.description} Empty (a blank form field): none given.`,
    }),
  ),
  notes: Type.Optional(Nullable(Notes)),
  isScannedProduct: Type.Optional(
    Type.Boolean({ description: 'The item was scanned: its expiry is estimated when not given.' }),
  ),
  estimateExpiry: Type.Optional(
    Type.Boolean({
      description:
        'Estimate the expiry date from the shelf-life table; it wins over `expiryDate`, which is kept ' +
        'when the table has no estimate for the product (`expiryEstimated` says which).',
    }),
  ),
});

const ItemFields = {
  productId: Type.String({ description: 'The catalogue product id.' }),
  itemId: Type.String({ description: 'This inventory item’s own id.' }),
  name: Type.String(),
  quantity: Type.Integer(),
  expiryDate: Nullable(Type.String({ description: 'YYYY-MM-DD; null when unknown.' })),
  expiryEstimated: Type.Boolean({ description: 'The date comes from the shelf-life table.' }),
  notes: Nullable(Type.String()),
  status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
};

export const AddItemReply = Type.Object({ message: Type.String(), ...ItemFields });

export const UpdateItemBody = Type.Object(
  {
    quantity: Type.Optional(Quantity),
    expiryDate: Type.Optional(Nullable(ExpiryDate)),
    notes: Type.Optional(Nullable(Notes)),
    status: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('consumed'), Type.Literal('discarded')], {
        description:
          'Mark the item eaten (`consumed`) or thrown away (`discarded`). An expired item whose date is ' +
          'moved to today or later becomes `active` again by itself.',
      }),
    ),
    estimateExpiry: Type.Optional(
      Type.Boolean({
        description:
          'Estimate the expiry date from the shelf-life table; wins over `expiryDate`. Without an ' +
          'estimate for the product, `expiryDate` applies if given, else the stored date is kept.',
      }),
    ),
  },
  { minProperties: 1 },
);

export const UpdateItemReply = Type.Object({ message: Type.String(), ...ItemFields });

export const ListQuery = Type.Object({
  status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
  expiringWithinDays: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 3650,
      description: 'Only active items whose expiry date is from today to today + N days.',
    }),
  ),
  name: Type.Optional(
    Type.String({ maxLength: 255, description: 'Case-insensitive substring of the name.' }),
  ),
  sort: Type.Union(
    [Type.Literal('addedAt'), Type.Literal('expiryDate'), Type.Literal('name'), Type.Literal('quantity')],
    {
      default: 'addedAt',
    },
  ),
  order: Type.Optional(
    Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
      description: 'Default: desc for addedAt, asc otherwise. Unknown expiry dates sort last.',
    }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 200 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
});

export const InventoryItem = Type.Object({
  id: Type.String({
    description: 'The catalogue product id (the original’s `id`); use `itemId` to address this item.',
  }),
  itemId: Type.String(),
  productId: Type.String(),
  name: Type.String(),
  category: Type.String(),
  quantity: Type.Integer(),
  expiryDate: Nullable(Type.String()),
  expiryEstimated: Type.Boolean(),
  daysUntilExpiry: Nullable(
    Type.Integer({
      description:
        'Days from today (in APP_TIMEZONE, as the sweep counts) to the expiry date; negative once past.',
    }),
  ),
  nutrition: NutritionText(INVENTORY_NUTRIENT_ORDER),
  nutritionStatus: NutritionStatus,
  addedAt: Type.String({ description: ISO_TIMESTAMP }),
  status: Type.String({ description: '`expired` as soon as the expiry date has passed.' }),
  notes: Nullable(Type.String()),
  updatedAt: Nullable(Type.String({ description: ISO_TIMESTAMP })),
});

export const InventoryList = Type.Object({
  products: Type.Array(InventoryItem),
  total: Type.Integer({ description: 'Items matching the filters, over all pages.' }),
  limit: Type.Integer(),
  offset: Type.Integer(),
});

/** One item of a mass add: checked on its own, so a bad item fails alone. */
export const MassItem = Type.Object({
  productName: Type.String({ minLength: 1, maxLength: 255 }),
  quantity: Type.Optional(Quantity),
  expiryDate: Type.Optional(Nullable(ExpiryDate)),
  notes: Type.Optional(Nullable(Notes)),
  category: Type.Optional(NewProductCategory),
  is_scanned_product: Type.Optional(Type.Boolean()),
  isScannedProduct: Type.Optional(Type.Boolean()),
});

export const MassAddItemsBody = Type.Object({
  products: Type.Array(Type.Unknown(), {
    maxItems: 500,
    description: `Items like ${'`{productName, quantity?, expiryDate?, notes?, category?, is_scanned_product?}`'}; each is validated on its own (one that is not such an object is listed in \`failed\`, the others are added).`,
  }),
});

const MassAddSuccess = Type.Array(AddItemReply, { description: 'The items added, each with its reply.' });
const MassAddFailed = Type.Array(
  Type.Object({ product: Type.Unknown({ description: 'The item as sent.' }), reason: Type.String() }),
  { description: 'The items that could not be added, as sent, with the reason.' },
);

export const MassAddItemsReply = Type.Object({ success: MassAddSuccess, failed: MassAddFailed });

/** The 503 of a database that became unavailable partway: what was done, and what was not. */
export const MassAddItemsUnavailable = MassAddUnavailable(MassAddSuccess, MassAddFailed);
