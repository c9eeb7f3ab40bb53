import { Type } from '@sinclair/typebox';
import { Nullable } from '../../app/common-schemas.js';

/** The 13 nutrients, per 100 g, in the order the original's catalogue list gives them. */
export const NUTRIENTS = [
  'energy_kcal',
  'carbohydrate',
  'protein',
  'fiber',
  'total_sugars',
  'saturated_fat',
  'vitamin_a',
  'vitamin_c',
  'potassium',
  'iron',
  'calcium',
  'sodium',
  'cholesterol',
] as const;

export type Nutrient = (typeof NUTRIENTS)[number];

/** The order the original's inventory list gives them in. */
export const INVENTORY_NUTRIENT_ORDER: readonly Nutrient[] = [
  'energy_kcal',
  'carbohydrate',
  'total_sugars',
  'fiber',
  'protein',
  'saturated_fat',
  'vitamin_a',
  'vitamin_c',
  'potassium',
  'iron',
  'calcium',
  'sodium',
  'cholesterol',
];

export const UNITS: Record<Nutrient, string> = {
  energy_kcal: 'kcal',
  carbohydrate: 'g',
  protein: 'g',
  fiber: 'g',
  total_sugars: 'g',
  saturated_fat: 'g',
  vitamin_a: 'µg RAE',
  vitamin_c: 'mg',
  potassium: 'mg',
  iron: 'mg',
  calcium: 'mg',
  sodium: 'mg',
  cholesterol: 'mg',
};

const describe = (n: Nutrient) => `${n} in ${UNITS[n]} per 100 g`;

/** Nutrition as the original listed it: two-decimal strings, "N/A" when unknown. */
export const NutritionText = (order: readonly Nutrient[]) =>
  Type.Object(
    Object.fromEntries(
      order.map((n) => [n, Type.String({ description: `${describe(n)}, e.g. "52.00"; "N/A" when unknown` })]),
    ),
    {
      description:
        'Per 100 g; values are strings with two decimals, "N/A" when unknown (the original format).',
    },
  );

/** Nutrition given by a client: numbers per 100 g, null or absent when unknown. */
export const NutritionInput = Type.Object(
  Object.fromEntries(
    NUTRIENTS.map((n) => [
      n,
      Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 99_999_999, description: describe(n) }))),
    ]),
  ) as Record<Nutrient, ReturnType<typeof Type.Optional>>,
  { description: 'Nutrients per 100 g.' },
);

/** A product's `nutrition_status`, as the API reports it. */
export const NutritionStatus = Type.String({
  description:
    '`found`; `pending`: being looked up in the background; `not_found`: the nutrition source has no match; ' +
    '`unknown`: no nutrition source configured, or it gave up.',
});

/** The status of a product created without nutrients: `pending` when a source will be asked. */
export type NoNutritionStatus = 'pending' | 'unknown';

export type NutritionValues = Partial<Record<Nutrient, number | null>>;

/**
 * The nutrition a request gives, or undefined when it names no nutrient (`{}`): an empty object
 * must not mark a product's nutrition as known (which would stop the background look-up).
 */
export function givenNutrition(value: unknown): NutritionValues | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as NutritionValues;
  return NUTRIENTS.some((n) => v[n] !== undefined) ? v : undefined;
}

export function nutritionText(
  row: Partial<Record<Nutrient, number | null>>,
  order: readonly Nutrient[] = NUTRIENTS,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of order) {
    const v = row[n];
    out[n] = v === null || v === undefined ? 'N/A' : Number(v).toFixed(2);
  }
  return out;
}

/** Rounds to the column's two decimals. */
export function nutritionRow(values: NutritionValues): Record<Nutrient, number | null> {
  const out = {} as Record<Nutrient, number | null>;
  for (const n of NUTRIENTS) {
    const v = values[n];
    out[n] = v === null || v === undefined ? null : Math.round(v * 100) / 100;
  }
  return out;
}
