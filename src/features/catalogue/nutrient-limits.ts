import type { Nutrient } from './nutrition.js';

/**
 * The most a nutrient can be per 100 g, in our unit: 100 g of anything, 1,000 kcal (pure fat is
 * ~900), and for µg the nutrition columns' own ceiling (numeric(10,2): 100 g would be 1e8 µg, one
 * past it). Providers' data has typos and unit mix-ups (vitamin A "150" g); a value past these is
 * wrong, and written as is it would overflow the column (PostgreSQL refuses the row) or store 1e300.
 */
const LIMITS: Record<Nutrient, number> = {
  energy_kcal: 1000,
  carbohydrate: 100,
  protein: 100,
  fiber: 100,
  total_sugars: 100,
  saturated_fat: 100,
  vitamin_a: 99_999_999,
  vitamin_c: 100_000,
  potassium: 100_000,
  iron: 100_000,
  calcium: 100_000,
  sodium: 100_000,
  cholesterol: 100_000,
};

/** `value` when it is a plausible amount per 100 g of `nutrient` (finite, ≥ 0, within LIMITS). */
export function plausibleNutrient(nutrient: Nutrient, value: number): number | undefined {
  return Number.isFinite(value) && value >= 0 && value <= LIMITS[nutrient] ? value : undefined;
}
