import type { FastifyInstance } from 'fastify';
import type { RawBuilder } from 'kysely';
import { rowLock } from '../../db/row-lock.js';
import type { NoNutritionStatus } from './nutrition.js';

/** What applies to every product a user adds to the shared catalogue, however it is added. */
export interface NewProductRules {
  /** Its status without nutrients: `pending` while a nutrition source is configured. */
  withoutNutrition: NoNutritionStatus;
  /** How many products one user may add in 24 hours (`CATALOGUE_PRODUCTS_PER_DAY`). */
  dailyLimit: number;
  /** Locks the user's row while the quota is counted (see checkDailyQuota). */
  quotaLock: RawBuilder<unknown>;
  /**
   * Called once a product created without nutrients is committed: while a source is configured,
   * it is looked up at once in the background (as a scanned one is), not at the updater's next
   * pass — which takes 20 products a pass, oldest first, so a backlog kept new ones `pending`.
   */
  lookUp: (productId: string) => void;
}

/** The rules as this server is configured (read at each use: the scanning plugin may load later). */
export function newProductRules(app: FastifyInstance): () => NewProductRules {
  return () => ({
    withoutNutrition: app.scanning?.nutrition.initialStatus ?? 'unknown',
    dailyLimit: app.config.catalogueProductsPerDay,
    quotaLock: rowLock(app.database, 'update'),
    lookUp: (productId) => app.scanning?.nutrition.kick(productId),
  });
}
