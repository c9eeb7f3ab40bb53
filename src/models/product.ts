import { col, defineTable } from '../migrate/schema/index.js';
import { EXACT } from './exact-collation.js';

/**
 * The shared product catalogue (also the cache of barcode look-ups: a barcode the provider knew is
 * stored here and never asked for again). `created_by` records who added an entry: only they may change or
 * delete it (the original let anyone). Deleting the account keeps the product for others.
 */
export const products = defineTable(
  'products',
  {
    id: col.string(36).primaryKey(),
    name: col.string(255),
    /**
     * The name as names are compared (`nameKey()` in catalogue/service.ts: lower case), unique: one
     * catalogue entry per name even when two requests add it at once. Up to 300 characters: entries
     * that already shared a name when this key arrived keep `<key>#<id>` (migration 5d1c0a7e9b3f).
     * Compared exactly on every database: MariaDB's default collation would also ignore accents
     * ("Musli" would be "Müsli"), which SQLite and PostgreSQL do not.
     */
    name_key: col.string(300).collation(EXACT).unique(),
    category: col.string(100).default('Uncategorized'),
    /** Exact, as the name key: `ab12` and `AB12` are two codes (a QR code's text keeps its case). */
    barcode: col.string(64).collation(EXACT).nullable().unique(),
    /** From the barcode provider (Open Food Facts), when it knows one. */
    brand: col.string(255).nullable(),
    /**
     * unknown: no nutrition source (none configured, or it gave up); pending: a background look-up
     * will try (again) at `nutrition_next_attempt_at`; found / not_found: the source answered.
     */
    nutrition_status: col.string(20).oneOf(['unknown', 'pending', 'found', 'not_found']).default('unknown'),
    nutrition_attempts: col.integer().default(0),
    nutrition_next_attempt_at: col.timestamp().nullable(),
    created_by: col.string(36).nullable().references('users.id', { onDelete: 'set null' }),
    created_at: col.timestamp().default({ expr: 'current_timestamp' }),
    updated_at: col.timestamp().nullable(),
  },
  {
    indexes: [
      { name: 'ix_products_name', columns: ['name'] },
      // The background nutrition retry picks due rows by these two.
      { name: 'ix_products_nutrition_due', columns: ['nutrition_status', 'nutrition_next_attempt_at'] },
      // The products a user added (their account's deletion, their export).
      { name: 'ix_products_created_by', columns: ['created_by'] },
    ],
  },
);
