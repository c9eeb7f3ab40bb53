import { col, defineTable } from '../migrate/schema/index.js';

/**
 * Nutrients per 100 g, one row per product (the 13 the original exposes). A null value is
 * "unknown", not zero. Deleting a product deletes its nutrition row (the original orphaned them).
 */
const nutrient = () => col.numeric(10, 2).nullable();

export const nutrition = defineTable('nutrition', {
  id: col.string(36).primaryKey(),
  product_id: col.string(36).unique().references('products.id', { onDelete: 'cascade' }),
  energy_kcal: nutrient(),
  carbohydrate: nutrient(),
  protein: nutrient(),
  fiber: nutrient(),
  total_sugars: nutrient(),
  saturated_fat: nutrient(),
  vitamin_a: nutrient(),
  vitamin_c: nutrient(),
  potassium: nutrient(),
  iron: nutrient(),
  calcium: nutrient(),
  sodium: nutrient(),
  cholesterol: nutrient(),
  source: col.string(32).nullable(),
  updated_at: col.timestamp().default({ expr: 'current_timestamp' }),
});
