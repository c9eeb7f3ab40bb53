import { defineMetadata, type InferDatabase } from '../migrate/schema/index.js';
import { notifications } from './notification.js';
import { nutrition } from './nutrition.js';
import { products } from './product.js';
import { scanLogs } from './scan-log.js';
import { users } from './user.js';
import { userProducts } from './user-product.js';

/**
 * The registry of models: what autogenerate compares with the database. A model file in this
 * folder whose table is missing here makes autogenerate and `check` fail, naming it.
 */
export const models = [users, products, nutrition, userProducts, notifications, scanLogs] as const;

export const metadata = defineMetadata(models);

/** Kysely's database interface, inferred from the models. */
export type Database = InferDatabase<typeof models>;
