import { Type } from '@sinclair/typebox';
import { Nullable } from '../../app/common-schemas.js';
import { NUTRIENTS, NutritionStatus, UNITS } from '../catalogue/nutrition.js';

export const ExpiredProducts = Type.Array(
  Type.Object({
    date: Type.String({ description: 'Expiry date, YYYY-MM-DD.' }),
    expired_count: Type.Integer({ description: 'Number of items (inventory rows) expired with that date.' }),
    expired_quantity: Type.Integer({ description: 'Sum of their quantities (units).' }),
  }),
  { description: 'Expired items of the caller grouped by expiry date, oldest first.' },
);

export const TrendsQuery = Type.Object({
  days: Type.Integer({
    minimum: 1,
    maximum: 365,
    default: 30,
    description: 'Window: expiry dates from today − days to today + days.',
  }),
});

export const ExpiryTrends = Type.Array(
  Type.Object({
    date: Type.String({ description: 'Expiry date, YYYY-MM-DD.' }),
    expiring: Type.Integer({ description: 'Items (inventory rows) with that expiry date, in any status.' }),
    consumed: Type.Integer({ description: 'Of those, items marked eaten (`consumed`).' }),
    wasted: Type.Integer({ description: 'Of those, items wasted (expired or `discarded`).' }),
    wasted_cost: Type.Number({
      description:
        'Units wasted: the sum of the quantities of the wasted items. No prices are recorded, so the ' +
        'cost is counted in units, not money.',
    }),
  }),
  {
    description:
      "The caller's items by expiry date within the window, oldest first; dates without items are left out.",
  },
);

export const WastageByCategory = Type.Array(
  Type.Object({
    category: Type.String(),
    percentage: Type.Number({
      description: 'Percent (0–100, two decimals) of the caller’s wasted items that are in this category.',
    }),
    count: Type.Integer({ description: 'Wasted items (inventory rows) in this category.' }),
  }),
  { description: 'Wasted = expired or discarded. Empty when nothing was wasted.' },
);

export const WastedVsEaten = Type.Array(
  Type.Object({
    status: Type.Union([Type.Literal('wasted'), Type.Literal('active'), Type.Literal('consumed')]),
    count: Type.Integer({ description: 'Items (inventory rows).' }),
  }),
  {
    description:
      'Always three entries in this order: `wasted` (expired or discarded), `active` (still good), ' +
      '`consumed` (marked eaten via update `status: "consumed"`).',
  },
);

export const NutrientsReply = Type.Object({
  item: Type.String({ description: 'Product name.' }),
  nutrients: Type.Object(
    Object.fromEntries(
      NUTRIENTS.map((n) => [
        n,
        Nullable(Type.Number({ description: `${UNITS[n]} per 100 g; null when unknown.` })),
      ]),
    ),
  ),
  units: Type.Object(Object.fromEntries(NUTRIENTS.map((n) => [n, Type.String()])), {
    description: 'The unit of each nutrient (per 100 g).',
  }),
  nutritionStatus: NutritionStatus,
});
