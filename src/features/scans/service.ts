import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ValidationFailure } from '../../app/http-error.js';
import type { AuthUser } from '../../app/tokens.js';
import type { AppDatabase } from '../../db/database.js';
import { todayUtc } from '../../db/dates.js';
import { monotonicNow } from '../../db/monotonic-clock.js';
import type { Database } from '../../models/index.js';
import { INVENTORY_NUTRIENT_ORDER, NUTRIENTS, nutritionText } from '../catalogue/nutrition.js';
import { insertNewItem } from '../inventory/new-item.js';
import type { NotificationPublisher, NotificationRow } from '../notifications/notification-events.js';
import { estimateShelfLife } from '../shelf-life/estimate.js';
import type { Storage } from '../shelf-life/table.js';
import type { BarcodeDecoder, DecodedCode } from './decoder.js';
import type { CatalogueProduct, ProductLookup } from './lookup.js';
import { pickCode } from './pick-code.js';
import { type ScanHistoryQuery, type ScanStatus, scanHistory } from './scan-history.js';

/** Where the committed scan notification goes (the realtime feature's `app.publishNotifications`). */
export type ScanNotifier = NotificationPublisher;

export interface ScanOptions {
  addToInventory: boolean;
  quantity: number;
  /** The user's own date ('YYYY-MM-DD'): it always wins over the estimate. */
  expiryDate?: string | undefined;
  storage?: Storage | undefined;
  notes?: string | undefined;
}

/** Scan log barcode column: 64 characters (a QR code can hold far more). */
const BARCODE_MAX = 64;

/**
 * A photo → its code → the product → a scan-log row, and on request an inventory item with the
 * original's `Product_Scanned` notification. Nothing is written for an image that yields no code.
 */
export class ScanService {
  constructor(
    private readonly database: AppDatabase,
    private readonly decoder: BarcodeDecoder,
    private readonly lookup: ProductLookup,
    private readonly notify?: ScanNotifier,
    /** Today's date in the app's time zone (`APP_TIMEZONE`). */
    private readonly today: () => string = todayUtc,
  ) {}

  private get db() {
    return this.database.db;
  }

  /** `POST /api/qr`: the code's text, nothing stored (as the original). */
  async readCode(image: Buffer): Promise<DecodedCode | undefined> {
    const { codes } = await this.decoder.decode(image);
    return codes.find((c) => c.format === 'QRCode') ?? pickCode(codes);
  }

  async scan(user: AuthUser, image: Buffer, opts: ScanOptions) {
    const { codes } = await this.decoder.decode(image);
    const code = pickCode(codes);
    if (!code)
      throw new ValidationFailure([{ field: 'file', message: 'No barcode or QR code found in the image' }]);
    // Cut by code points, as the column counts characters: slicing UTF-16 units could split an
    // emoji's surrogate pair and store the half as U+FFFD.
    const barcode = Array.from(code.text).slice(0, BARCODE_MAX).join('');
    const found = await this.lookup.lookup(barcode, code.format);
    const product = found?.product;
    const today = this.today();
    const now = monotonicNow();

    const result = await this.db.transaction().execute(async (tx) => {
      let status: ScanStatus = 'not_found';
      if (product) {
        const expired = await tx
          .selectFrom('user_products')
          .select('id')
          .where('user_id', '=', user.id)
          .where('product_id', '=', product.id)
          .where((eb) =>
            eb.or([
              eb('status', '=', 'expired'),
              eb.and([eb('status', '=', 'active'), eb('expiry_date', '<', today)]),
            ]),
          )
          .limit(1)
          .executeTakeFirst();
        status = expired ? 'expired' : 'scanned';
      }
      const scanId = randomUUID();
      await tx
        .insertInto('scan_logs')
        .values({
          id: scanId,
          user_id: user.id,
          product_id: product?.id ?? null,
          barcode,
          format: code.format,
          status,
          scanned_at: now,
        })
        .execute();

      let added: { item: InventoryItem; notification: NotificationRow } | undefined;
      if (product && opts.addToInventory) {
        added = await this.addItem(tx, user, product, barcode, opts, today, now);
      }
      // Read here, not after the commit: a read that failed then (the connection lost) would
      // answer 503 for a scan already stored, and the retry it invites would add the item twice.
      const nutrition = product ? await nutritionOf(tx, product.id) : undefined;
      return { scanId, status, item: added?.item, notification: added?.notification, nutrition };
    });

    const { nutrition } = result;
    if (result.item && result.notification && product && this.notify) {
      // The original's push, sent after the commit so a client never sees an item that was rolled back.
      this.notify([
        {
          ...result.notification,
          data: {
            name: product.name,
            quantity: result.item.quantity,
            notes: result.item.notes,
            expiryDate: result.item.expiryDate,
            expiryEstimated: result.item.expiryEstimated,
            storage: result.item.storage,
            itemId: result.item.itemId,
            productId: product.id,
            barcode,
            nutrition: nutritionText(nutrition ?? {}, INVENTORY_NUTRIENT_ORDER),
            nutritionStatus: product.nutrition_status,
          },
        },
      ]);
    }
    return {
      message:
        result.status === 'not_found'
          ? 'Code read, but no product is known for it'
          : result.status === 'expired'
            ? 'Product found; you already hold one of it that has expired'
            : 'Product Scanned successfully',
      scanId: result.scanId,
      status: result.status,
      barcode,
      format: code.format,
      codes,
      product: product ? productView(product, nutrition, found!.source) : null,
      item: result.item ?? null,
    };
  }

  private async addItem(
    tx: Kysely<Database>,
    user: AuthUser,
    product: CatalogueProduct,
    barcode: string,
    opts: ScanOptions,
    today: string,
    now: Date,
  ): Promise<{ item: InventoryItem; notification: NotificationRow }> {
    let expiryDate: string | null = opts.expiryDate ?? null;
    let expiryEstimated = false;
    let storage: Storage | null = opts.storage ?? null;
    if (!expiryDate) {
      const est = estimateShelfLife({
        name: product.name,
        category: product.category,
        storage: opts.storage,
        from: today,
      });
      if (est) {
        expiryDate = est.expiryDate;
        expiryEstimated = true;
        storage = est.storage;
      }
    }
    const notes = opts.notes ?? `Scanned Via Barcode with Code ${barcode}`;
    const { itemId, notification } = await insertNewItem(tx, {
      userId: user.id,
      productId: product.id,
      productName: product.name,
      quantity: opts.quantity,
      expiryDate,
      expiryEstimated,
      storage,
      notes,
      scanned: true,
      now,
    });
    return {
      item: { itemId, quantity: opts.quantity, expiryDate, expiryEstimated, storage, notes },
      notification: notification!,
    };
  }

  /** The caller's scans, newest first, with the product each found (scan-history.ts). */
  history(user: AuthUser, q: ScanHistoryQuery) {
    return scanHistory(this.db, user.id, q);
  }
}

export interface InventoryItem {
  itemId: string;
  quantity: number;
  expiryDate: string | null;
  expiryEstimated: boolean;
  storage: Storage | null;
  notes: string;
}

function nutritionOf(db: Kysely<Database>, productId: string) {
  return db
    .selectFrom('nutrition')
    .select([...NUTRIENTS, 'source'])
    .where('product_id', '=', productId)
    .executeTakeFirst();
}

function productView(
  p: CatalogueProduct,
  nutrition: Record<string, unknown> | undefined,
  source: 'catalogue' | 'open_food_facts',
) {
  return {
    id: p.id,
    name: p.name,
    brand: p.brand,
    category: p.category,
    barcode: p.barcode,
    source,
    nutritionStatus: p.nutrition_status,
    nutrition: nutritionText((nutrition ?? {}) as Record<string, number | null>),
  };
}
