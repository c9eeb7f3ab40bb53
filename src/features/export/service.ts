import { unauthorized } from '../../app/http-error.js';
import type { AuthUser } from '../../app/tokens.js';
import type { AppDatabase } from '../../db/database.js';
import { iso, todayUtc } from '../../db/dates.js';
import { writtenJoinOrder } from '../../db/join-order.js';
import { NUTRIENTS } from '../catalogue/nutrition.js';
import { effectiveStatus } from '../inventory/effective-status.js';

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * Everything stored about the caller, in one document: profile, inventory, notifications, scan
 * log and the catalogue entries they added. Five queries whatever the amount, read in one
 * REPEATABLE READ transaction (SQLite: one read transaction) so the parts agree with each other.
 */
export class ExportService {
  constructor(
    private readonly database: AppDatabase,
    /** Today in APP_TIMEZONE: an item past its date is `expired` here as in the rest of the API. */
    private readonly today: () => string = todayUtc,
  ) {}

  async export(user: AuthUser) {
    const exportedAt = new Date();
    const today = this.today();
    return this.database.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (tx) => {
        const profile = await tx
          .selectFrom('users')
          .select(['id', 'name', 'email', 'dob', 'created_at', 'updated_at'])
          .where('id', '=', user.id)
          .executeTakeFirst();
        // Deleted between the token check and this read.
        if (!profile) throw unauthorized('Access token is invalid or expired.');
        const items = await writtenJoinOrder(
          tx.selectFrom('user_products as up').innerJoin('products as p', 'p.id', 'up.product_id'),
          this.database.dialect,
        )
          .select([
            'up.id',
            'up.product_id',
            'p.name',
            'p.category',
            'p.barcode',
            'up.quantity',
            'up.expiry_date',
            'up.expiry_estimated',
            'up.storage',
            'up.status',
            'up.notes',
            'up.added_at',
            'up.updated_at',
          ])
          .where('up.user_id', '=', user.id)
          .orderBy('up.added_at')
          .orderBy('up.id')
          .execute();
        const notifications = await tx
          .selectFrom('notifications')
          .select([
            'id',
            'type',
            'message',
            'product_name',
            'user_product_id',
            'expiry_date',
            'is_read',
            'created_at',
          ])
          .where('user_id', '=', user.id)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        const scans = await tx
          .selectFrom('scan_logs as s')
          .leftJoin('products as p', 'p.id', 's.product_id')
          .select(['s.id', 's.barcode', 's.format', 's.status', 's.product_id', 'p.name', 's.scanned_at'])
          .where('s.user_id', '=', user.id)
          .orderBy('s.scanned_at')
          .orderBy('s.id')
          .execute();
        const products = await tx
          .selectFrom('products as p')
          .leftJoin('nutrition as n', 'n.product_id', 'p.id')
          .select([
            'p.id',
            'p.name',
            'p.category',
            'p.barcode',
            'p.brand',
            'p.created_at',
            'p.updated_at',
            'n.product_id as nutrition_of',
          ])
          .select(NUTRIENTS.map((n) => `n.${n}` as const))
          .where('p.created_by', '=', user.id)
          .orderBy('p.created_at')
          .orderBy('p.id')
          .execute();
        return {
          exportedAt: iso(exportedAt)!,
          profile: {
            id: profile.id,
            name: profile.name,
            email: profile.email,
            dob: profile.dob,
            createdAt: iso(profile.created_at)!,
            updatedAt: iso(profile.updated_at),
          },
          inventory: items.map((r) => ({
            itemId: r.id,
            productId: r.product_id,
            name: r.name,
            category: r.category,
            barcode: r.barcode,
            quantity: r.quantity,
            expiryDate: r.expiry_date,
            expiryEstimated: r.expiry_estimated,
            storage: r.storage,
            // As the list, the add reply and the statistics show it: expired once its date has
            // passed, even before the sweep has marked it so.
            status: effectiveStatus(r.status, r.expiry_date, today),
            notes: r.notes,
            addedAt: iso(r.added_at)!,
            updatedAt: iso(r.updated_at),
          })),
          notifications: notifications.map((r) => ({
            id: r.id,
            type: r.type,
            message: r.message,
            productName: r.product_name,
            itemId: r.user_product_id,
            expiryDate: r.expiry_date,
            isRead: r.is_read,
            createdAt: iso(r.created_at)!,
          })),
          scans: scans.map((r) => ({
            id: r.id,
            barcode: r.barcode,
            format: r.format,
            status: r.status,
            productId: r.product_id,
            productName: r.name,
            scannedAt: iso(r.scanned_at)!,
          })),
          products: products.map((r) => ({
            id: r.id,
            name: r.name,
            category: r.category,
            barcode: r.barcode,
            brand: r.brand,
            createdAt: iso(r.created_at)!,
            updatedAt: iso(r.updated_at),
            nutrition: r.nutrition_of ? Object.fromEntries(NUTRIENTS.map((n) => [n, num(r[n])])) : null,
          })),
        };
      });
  }
}
