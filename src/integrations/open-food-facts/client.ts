import { plausibleNutrient } from '../../features/catalogue/nutrient-limits.js';
import type { NutritionValues } from '../../features/catalogue/nutrition.js';
import { ProviderError, requestJson } from '../http-json.js';
import { ProviderBackoff } from '../provider-backoff.js';

/**
 * Open Food Facts' product API (v2): `GET /api/v2/product/{barcode}.json?fields=…`.
 * Found: `200 {"code","status":1,"status_verbose":"product found","product":{…}}`;
 * unknown barcode: `404` (older servers: `200`) with `{"status":0,"status_verbose":"product not found"}`.
 * Product queries are rate limited (about 100 a minute): a 429 is a transient ProviderError, and
 * the client then asks nothing until its Retry-After has passed (provider-backoff.ts).
 */
export interface OffProduct {
  barcode: string;
  name: string;
  brand: string | null;
  /** One of our broad categories (Dairy, Meat, …), derived from OFF's category tags. */
  category: string;
  /** OFF's own tags, most general first (e.g. `en:dairies`, `en:milks`). */
  categoryTags: string[];
  /** Per 100 g in our units; undefined when OFF lists no nutrients. */
  nutrition: NutritionValues | undefined;
}

export type OffLookup = { found: true; product: OffProduct } | { found: false };

export interface OffClientOptions {
  baseUrl: string;
  timeoutMs: number;
  userAgent: string;
  /**
   * The clock the back-off reads, in milliseconds since the epoch (default `Date.now`): tests move
   * it past a Retry-After instead of waiting it out.
   */
  now?: () => number;
}

const FIELDS = 'code,product_name,product_name_en,generic_name,brands,categories_tags,nutriments';

/** Barcodes OFF knows: EAN-8, UPC-A (12), EAN-13, GTIN-14, all digits. */
export const OFF_BARCODE = /^\d{8}$|^\d{12,14}$/;

export class OpenFoodFactsClient {
  /** After a 429 or a run of 5xx, calls are skipped (ProviderBackingOff) until the pause ends. */
  private readonly backoff: ProviderBackoff;

  constructor(private readonly options: OffClientOptions) {
    this.backoff = new ProviderBackoff('Open Food Facts', options.now);
  }

  async product(barcode: string): Promise<OffLookup> {
    if (!OFF_BARCODE.test(barcode)) return { found: false };
    const { status, body } = await this.backoff.run(() => this.request(barcode));
    const doc = body as OffDocument | undefined;
    if (!doc || typeof doc !== 'object' || (status !== 404 && typeof doc.status !== 'number')) {
      throw new ProviderError('Open Food Facts', 'bad_response', 'answer without a status');
    }
    if (status === 404 || doc.status !== 1 || !doc.product) return { found: false };
    const product = mapProduct(barcode, doc.product);
    return product ? { found: true, product } : { found: false };
  }

  private request(barcode: string) {
    return requestJson({
      provider: 'Open Food Facts',
      url: `${this.options.baseUrl}/api/v2/product/${encodeURIComponent(barcode)}.json?fields=${FIELDS}`,
      timeoutMs: this.options.timeoutMs,
      headers: { 'user-agent': this.options.userAgent },
      acceptStatuses: [404],
    });
  }
}

interface OffDocument {
  status?: number;
  status_verbose?: string;
  product?: OffRawProduct;
}

interface OffRawProduct {
  product_name?: unknown;
  product_name_en?: unknown;
  generic_name?: unknown;
  brands?: unknown;
  categories_tags?: unknown;
  nutriments?: Record<string, unknown>;
}

/**
 * A text field as we store it: control characters (a NUL, which PostgreSQL cannot store in text, or
 * a stray line break in crowd-sourced data) become spaces, runs of white space one, ends trimmed.
 */
const text = (v: unknown): string | undefined => {
  if (typeof v !== 'string') return undefined;
  const clean = v
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return clean || undefined;
};

/** OFF's record in our terms; undefined when it has no usable name. */
export function mapProduct(barcode: string, p: OffRawProduct): OffProduct | undefined {
  const name = text(p.product_name) ?? text(p.product_name_en) ?? text(p.generic_name);
  if (!name) return undefined;
  const brand = text(p.brands)?.split(',')[0]?.trim() || null;
  const tags = Array.isArray(p.categories_tags)
    ? p.categories_tags.filter((t): t is string => typeof t === 'string')
    : [];
  return {
    barcode,
    // Whole: the catalogue fits the name to its column (scans/provider-name.ts).
    name,
    brand: brand ? Array.from(brand).slice(0, 255).join('').trimEnd() : null,
    category: broadCategory(tags),
    categoryTags: tags,
    nutrition: p.nutriments ? mapNutriments(p.nutriments) : undefined,
  };
}

/**
 * OFF's `<nutrient>_100g` values are in the nutrient's standard unit: kcal for `energy-kcal`,
 * grams for everything else (vitamins and minerals too). Ours are mg or µg for those.
 */
const OFF_NUTRIENTS: [keyof NutritionValues, string, number][] = [
  ['energy_kcal', 'energy-kcal_100g', 1],
  ['carbohydrate', 'carbohydrates_100g', 1],
  ['protein', 'proteins_100g', 1],
  ['fiber', 'fiber_100g', 1],
  ['total_sugars', 'sugars_100g', 1],
  ['saturated_fat', 'saturated-fat_100g', 1],
  ['vitamin_a', 'vitamin-a_100g', 1e6],
  ['vitamin_c', 'vitamin-c_100g', 1e3],
  ['potassium', 'potassium_100g', 1e3],
  ['iron', 'iron_100g', 1e3],
  ['calcium', 'calcium_100g', 1e3],
  ['sodium', 'sodium_100g', 1e3],
  ['cholesterol', 'cholesterol_100g', 1e3],
];

/** A number or numeric string; NaN for anything else (NaN is never plausible). */
const numeric = (raw: unknown): number =>
  typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;

/** OFF's nutrients in our units; values that cannot be right per 100 g (nutrient-limits.ts) are left out. */
export function mapNutriments(n: Record<string, unknown>): NutritionValues | undefined {
  const out: NutritionValues = {};
  let any = false;
  for (const [ours, key, factor] of OFF_NUTRIENTS) {
    const v = plausibleNutrient(ours, numeric(n[key]) * factor);
    if (v !== undefined) {
      out[ours] = v;
      any = true;
    }
  }
  // Energy given only in kJ: 1 kcal = 4.184 kJ.
  if (out.energy_kcal === undefined) {
    const kj = plausibleNutrient('energy_kcal', numeric(n['energy-kj_100g'] ?? n.energy_100g) / 4.184);
    if (kj !== undefined) {
      out.energy_kcal = kj;
      any = true;
    }
  }
  return any ? out : undefined;
}

/** Our broad category from OFF's tags, checked from the most specific tag to the most general. */
const CATEGORY_RULES: [RegExp, string][] = [
  [/frozen/, 'Frozen'],
  [/breads?$|bakery|pastr|cakes?$|biscuits|viennoiseries|brioches/, 'Bakery'],
  [/cheeses?|yogh?urts?|milks?$|dairies|dairy|butters?$|creams?$/, 'Dairy'],
  [/fish|seafood|salmon|tuna|shrimp/, 'Fish'],
  [/meats?$|poultr|chicken|beef|pork|hams?$|sausages|bacon/, 'Meat'],
  [/eggs?$/, 'Eggs'],
  [/fruits?$|apples|bananas|berries|citrus/, 'Fruit'],
  [/vegetables?|salads?$|potatoes|tomatoes/, 'Vegetables'],
  [/beverages|drinks|juices|waters$|sodas/, 'Beverages'],
  [/snacks|chips|crisps|chocolates|candies|confectioner/, 'Snacks'],
  [/canned/, 'Canned'],
  [/pastas?$|rices?$|cereals|flours?$|sugars?$|condiments|sauces|spices|oils$|legumes|groceries/, 'Pantry'],
];

export function broadCategory(tags: string[]): string {
  for (let i = tags.length - 1; i >= 0; i--) {
    const tag = tags[i]!.replace(/^[a-z]{2}:/, '');
    for (const [rule, category] of CATEGORY_RULES) if (rule.test(tag)) return category;
  }
  return 'Uncategorized';
}
