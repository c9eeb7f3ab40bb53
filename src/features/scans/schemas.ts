import { Type } from '@sinclair/typebox';
import { ISO_TIMESTAMP, Nullable } from '../../app/common-schemas.js';
import {
  INVENTORY_NUTRIENT_ORDER,
  NUTRIENTS,
  NutritionStatus,
  NutritionText,
} from '../catalogue/nutrition.js';

const Status = Type.Union([Type.Literal('scanned'), Type.Literal('expired'), Type.Literal('not_found')], {
  description:
    '`scanned`: product known; `expired`: known, and you already hold one of it that has expired; ' +
    '`not_found`: the code was read but no product is known for it.',
});
const Storage = Type.Union([Type.Literal('pantry'), Type.Literal('fridge'), Type.Literal('freezer')]);

export const QrReply = Type.Union([
  Type.Object({ message: Type.String(), data: Type.String(), format: Type.String() }),
  Type.Object({ error: Type.String() }),
]);

export const ScanReply = Type.Object({
  message: Type.String(),
  scanId: Type.String(),
  status: Status,
  barcode: Type.String(),
  format: Type.String({ description: 'EAN13, EAN8, UPCA, UPCE, Code128 or QRCode.' }),
  codes: Type.Array(Type.Object({ text: Type.String(), format: Type.String() }), {
    description: 'Every code found in the photo; `barcode` is the one used (retail codes first).',
  }),
  product: Nullable(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      brand: Nullable(Type.String()),
      category: Type.String(),
      barcode: Nullable(Type.String()),
      source: Type.String({
        description: '`catalogue`, or `open_food_facts` (fetched now and kept in the catalogue).',
      }),
      nutritionStatus: NutritionStatus,
      nutrition: NutritionText(NUTRIENTS),
    }),
  ),
  item: Nullable(
    Type.Object({
      itemId: Type.String(),
      quantity: Type.Integer(),
      expiryDate: Nullable(Type.String({ description: 'YYYY-MM-DD.' })),
      expiryEstimated: Type.Boolean({ description: 'The date is a shelf-life estimate, not the user’s.' }),
      storage: Nullable(Storage),
      notes: Type.String(),
    }),
    { description: 'The inventory item added (with `addToInventory`).' },
  ),
});

export const HistoryQuery = Type.Object({
  status: Type.Optional(Status),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
});

export const HistoryReply = Type.Object({
  scans: Type.Array(
    Type.Object({
      id: Type.String(),
      barcode: Nullable(Type.String()),
      format: Nullable(Type.String()),
      status: Status,
      scannedAt: Type.String({ description: ISO_TIMESTAMP }),
      product: Nullable(
        Type.Object({
          id: Type.String(),
          name: Type.String(),
          brand: Nullable(Type.String()),
          category: Type.String(),
          nutritionStatus: NutritionStatus,
        }),
      ),
    }),
  ),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});

/** For the `Product_Scanned` frame's documentation. */
export const ScannedNutrition = NutritionText(INVENTORY_NUTRIENT_ORDER);
