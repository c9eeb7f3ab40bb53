import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppDatabase } from '../../db/database.js';
import { isUniqueViolation } from '../../db/errors.js';
import { TtlCache } from '../../integrations/http-json.js';
import type { OffProduct, OpenFoodFactsClient } from '../../integrations/open-food-facts/client.js';
import { ProviderBackingOff } from '../../integrations/provider-backoff.js';
import type { Database } from '../../models/index.js';
import { barcodeVariants } from '../catalogue/barcode-variants.js';
import { writeProduct } from '../catalogue/insert-product.js';
import { nameKey } from '../catalogue/product-name.js';
import type { NutritionUpdater } from './nutrition-updater.js';
import { providerBrand, providerNameCandidates } from './provider-name.js';

export interface CatalogueProduct {
  id: string;
  name: string;
  brand: string | null;
  category: string;
  barcode: string | null;
  nutrition_status: 'unknown' | 'pending' | 'found' | 'not_found';
}

export interface LookupResult {
  product: CatalogueProduct;
  /** Where it came from this time: our catalogue, or the barcode provider (now cached in the catalogue). */
  source: 'catalogue' | 'open_food_facts';
}

const columns = ['id', 'name', 'brand', 'category', 'barcode', 'nutrition_status'] as const;
/** Name candidates checked per query (freeName). */
const NAME_BATCH = 20;
/** Saves tried when a concurrent product takes the chosen name each time (save). */
const SAVE_ATTEMPTS = 3;

/**
 * Barcode → product: our catalogue first, then Open Food Facts (when configured). A product the
 * provider knows is written to the catalogue, so each barcode is asked for once; a barcode it does
 * not know is remembered for an hour. Provider failures (timeout, 429, 5xx) are logged and the
 * scan goes on as "not found": they never fail the request.
 */
export class ProductLookup {
  private readonly unknown = new TtlCache<true>(3600_000);
  /** Barcodes being fetched: concurrent scans of one new barcode share a single provider call. */
  private readonly pending = new Map<string, Promise<LookupResult | undefined>>();

  constructor(
    private readonly database: AppDatabase,
    private readonly off: OpenFoodFactsClient | undefined,
    private readonly nutrition: NutritionUpdater,
    private readonly log?: FastifyBaseLogger,
  ) {}

  async find(db: Kysely<Database>, barcode: string, format?: string): Promise<CatalogueProduct | undefined> {
    const variants = barcodeVariants(barcode, format);
    return db
      .selectFrom('products')
      .select(columns)
      .where('barcode', 'in', variants)
      .orderBy('created_at')
      .executeTakeFirst();
  }

  async lookup(barcode: string, format?: string): Promise<LookupResult | undefined> {
    const known = await this.find(this.database.db, barcode, format);
    if (known) return { product: known, source: 'catalogue' };
    if (!this.off || this.unknown.get(barcode)) return undefined;
    let p = this.pending.get(barcode);
    if (!p) {
      p = this.fetch(barcode, format).finally(() => this.pending.delete(barcode));
      this.pending.set(barcode, p);
    }
    return p;
  }

  private async fetch(barcode: string, format?: string): Promise<LookupResult | undefined> {
    const off = this.off!;
    let found: OffProduct | undefined;
    for (const code of barcodeVariants(barcode, format).filter((c) => c.length !== 12 || format !== 'UPCE')) {
      try {
        const r = await off.product(code);
        if (r.found) {
          found = r.product;
          break;
        }
      } catch (e) {
        // Not remembered as unknown: once the provider answers again, the barcode is asked for.
        // A skipped call (backing off) was already logged when the provider failed.
        const level = e instanceof ProviderBackingOff ? 'debug' : 'warn';
        this.log?.[level](
          { barcode, reason: (e as Error).message },
          'barcode look-up failed; scan recorded as not found',
        );
        return undefined;
      }
    }
    if (!found) {
      this.unknown.set(barcode, true);
      return undefined;
    }
    const product = await this.saveSafely({ ...found, barcode });
    return product ? { product, source: 'open_food_facts' } : undefined;
  }

  /**
   * `save`, never throwing: the provider's data must not turn a scan into a 500. Its values are
   * bounded before they get here (nutrient-limits.ts); a database error all the same (or the
   * database down) is logged and the scan is "not found", the barcode not remembered as unknown,
   * so the next scan tries again. Not retried (but for a name taken meanwhile, see save): during an
   * outage that would double the work.
   */
  private async saveSafely(p: OffProduct): Promise<CatalogueProduct | undefined> {
    try {
      return await this.save(p);
    } catch (e) {
      this.log?.error(
        { err: e, barcode: p.barcode },
        'saving a looked-up product failed; scan recorded as not found',
      );
      return undefined;
    }
  }

  /**
   * Writes the provider's product (and its nutrients) to the catalogue; a product added meanwhile
   * under its barcode wins. A unique violation without such a product is the name: another product
   * took it after freeName looked (PostgreSQL reads each statement's own snapshot), and the next
   * attempt, seeing it, picks another.
   */
  private async save(p: OffProduct): Promise<CatalogueProduct | undefined> {
    const { db } = this.database;
    const id = randomUUID();
    const status = p.nutrition ? 'found' : this.nutrition.initialStatus;
    for (let attempt = 1; ; attempt++) {
      try {
        await db.transaction().execute(async (tx) => {
          const name = await this.freeName(tx, p);
          await writeProduct(tx, {
            id,
            name,
            category: p.category,
            barcode: p.barcode,
            brand: providerBrand(p.brand),
            nutritionStatus: status,
            createdBy: null,
            nutrition: p.nutrition,
            source: 'open_food_facts',
          });
        });
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        const saved = await this.find(db, p.barcode);
        if (saved) return saved;
        if (attempt === SAVE_ATTEMPTS) {
          return this.notSaved(p, e, 'its name was taken by another product on every attempt');
        }
        continue;
      }
      if (status === 'pending') this.nutrition.kick(id);
      return (await this.find(db, p.barcode)) ?? this.notSaved(p, undefined, 'not found once written');
    }
  }

  /** A product that could not be saved: the scan is "not found", and the provider asked again next time. */
  private notSaved(p: OffProduct, err: unknown, reason: string): undefined {
    this.log?.warn(
      { err, barcode: p.barcode, reason },
      'saving a looked-up product failed; scan recorded as not found',
    );
    return undefined;
  }

  /**
   * The first free name of providerNameCandidates (its brand, then its barcode, then a number added
   * to a name already taken), asked for in batches: one query unless the names were taken on
   * purpose. The candidates never end, so one is free.
   */
  private async freeName(tx: Kysely<Database>, p: OffProduct): Promise<string> {
    const candidates = providerNameCandidates(p.name, p.brand, p.barcode);
    for (;;) {
      const batch = Array.from({ length: NAME_BATCH }, () => candidates.next().value);
      const keys = batch.map(nameKey);
      const rows = await tx.selectFrom('products').select('name_key').where('name_key', 'in', keys).execute();
      const taken = new Set(rows.map((r) => r.name_key));
      const free = batch.find((_, i) => !taken.has(keys[i]!));
      if (free !== undefined) return free;
    }
  }
}
