import { plausibleNutrient } from '../../features/catalogue/nutrient-limits.js';
import type { NutritionValues } from '../../features/catalogue/nutrition.js';
import { ProviderError, requestJson, TtlCache } from '../http-json.js';
import { ProviderBackoff } from '../provider-backoff.js';

/**
 * USDA FoodData Central search: `POST {base}/v1/foods/search` with `{"query","dataType","pageSize"}`
 * and the api.data.gov key in `X-Api-Key` (kept out of URLs, so out of access logs). Answer:
 * `{"totalHits","foods":[{"fdcId","description","dataType","foodNutrients":[{"nutrientId",
 * "nutrientNumber","nutrientName","unitName","value"}]}]}`. A bad key is `403
 * {"error":{"code":"API_KEY_INVALID",…}}`, the hourly limit `429 {"error":{"code":"OVER_RATE_LIMIT",…}}`.
 */
export interface UsdaFood {
  fdcId: number;
  description: string;
  nutrition: NutritionValues;
}

export type UsdaLookup = { found: true; food: UsdaFood } | { found: false };

export interface UsdaClientOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  /** How long an answer (found or not) is reused for the same food name (default 24 h). */
  cacheTtlMs?: number;
  /** The clock of the back-off (tests move it). */
  now?: () => number;
}

/** Generic foods first: branded entries rarely carry vitamins and minerals. */
const DATA_TYPES = ['Foundation', 'SR Legacy', 'Survey (FNDDS)'];

export class UsdaClient {
  private readonly cache: TtlCache<UsdaLookup>;
  /**
   * After a 429 (api.data.gov's hourly limit: 1,000 requests a key, far fewer for DEMO_KEY) or a run
   * of 5xx, nothing is asked until the pause ends (ProviderBackingOff): the products waiting keep
   * their attempts for when the service answers again.
   */
  private readonly backoff: ProviderBackoff;
  /** Requests actually sent (the cache's hits are not). */
  requests = 0;

  constructor(private readonly options: UsdaClientOptions) {
    this.cache = new TtlCache(options.cacheTtlMs ?? 24 * 3600_000);
    this.backoff = new ProviderBackoff('USDA FoodData Central', options.now);
  }

  /** Nutrients per 100 g of the best match for a food name; cached per name. */
  async food(name: string): Promise<UsdaLookup> {
    const query = name.trim().toLowerCase().replace(/\s+/g, ' ');
    if (!query) return { found: false };
    const cached = this.cache.get(query);
    if (cached) return cached;
    const { body } = await this.backoff.run(() => {
      this.requests++;
      return requestJson({
        provider: 'USDA FoodData Central',
        url: `${this.options.baseUrl}/v1/foods/search`,
        method: 'POST',
        timeoutMs: this.options.timeoutMs,
        headers: { 'x-api-key': this.options.apiKey },
        body: { query, dataType: DATA_TYPES, pageSize: 5 },
      });
    });
    const foods = (body as { foods?: unknown } | undefined)?.foods;
    if (!Array.isArray(foods))
      throw new ProviderError('USDA FoodData Central', 'bad_response', 'answer without `foods`');
    let result: UsdaLookup = { found: false };
    for (const f of foods as RawFood[]) {
      const nutrition = Array.isArray(f.foodNutrients) ? mapFoodNutrients(f.foodNutrients) : undefined;
      if (nutrition && typeof f.fdcId === 'number') {
        result = {
          found: true,
          food: { fdcId: f.fdcId, description: String(f.description ?? ''), nutrition },
        };
        break;
      }
    }
    this.cache.set(query, result);
    return result;
  }
}

interface RawFood {
  fdcId?: unknown;
  description?: unknown;
  foodNutrients?: RawNutrient[];
}

interface RawNutrient {
  nutrientId?: unknown;
  nutrientNumber?: unknown;
  unitName?: unknown;
  value?: unknown;
}

type Unit = 'kcal' | 'g' | 'mg' | 'ug';

/** FDC nutrient ids (and the legacy nutrient numbers) of our 13, in preference order, with our unit. */
const FDC: [keyof NutritionValues, Unit, [number, string][]][] = [
  [
    'energy_kcal',
    'kcal',
    [
      [1008, '208'],
      [2047, '957'],
      [2048, '958'],
    ],
  ],
  ['carbohydrate', 'g', [[1005, '205']]],
  ['protein', 'g', [[1003, '203']]],
  ['fiber', 'g', [[1079, '291']]],
  [
    'total_sugars',
    'g',
    [
      [2000, '269'],
      [1063, '269.3'],
    ],
  ],
  ['saturated_fat', 'g', [[1258, '606']]],
  ['vitamin_a', 'ug', [[1106, '320']]],
  ['vitamin_c', 'mg', [[1162, '401']]],
  ['potassium', 'mg', [[1092, '306']]],
  ['iron', 'mg', [[1089, '303']]],
  ['calcium', 'mg', [[1087, '301']]],
  ['sodium', 'mg', [[1093, '307']]],
  ['cholesterol', 'mg', [[1253, '601']]],
];

const TO_GRAMS: Record<string, number> = { g: 1, mg: 1e-3, ug: 1e-6, µg: 1e-6 };

/** A value in `from` units converted to `to`; undefined when the units do not convert (IU, kJ → g). */
export function convert(value: number, from: string, to: Unit): number | undefined {
  const f = from.toLowerCase();
  if (to === 'kcal') return f === 'kcal' ? value : f === 'kj' ? value / 4.184 : undefined;
  const a = TO_GRAMS[f];
  const b = TO_GRAMS[to];
  // The ratio first: µg → µg is then exactly 1, not 1e-6 / 1e-6 with rounding.
  return a === undefined || b === undefined ? undefined : value * (a / b);
}

/** The 13 nutrients from a food's `foodNutrients`; undefined when none of them is there. */
export function mapFoodNutrients(list: RawNutrient[]): NutritionValues | undefined {
  const byId = new Map<number, RawNutrient>();
  const byNumber = new Map<string, RawNutrient>();
  for (const n of list) {
    if (typeof n.nutrientId === 'number') byId.set(n.nutrientId, n);
    if (typeof n.nutrientNumber === 'string') byNumber.set(n.nutrientNumber, n);
  }
  const out: NutritionValues = {};
  let any = false;
  for (const [ours, unit, ids] of FDC) {
    for (const [id, number] of ids) {
      const n = byId.get(id) ?? byNumber.get(number);
      if (!n || typeof n.value !== 'number' || !Number.isFinite(n.value) || typeof n.unitName !== 'string')
        continue;
      // A value that cannot be right per 100 g (nutrient-limits.ts) counts as absent.
      const converted = convert(n.value, n.unitName, unit);
      const v = converted === undefined ? undefined : plausibleNutrient(ours, converted);
      if (v !== undefined) {
        out[ours] = v;
        any = true;
        break;
      }
    }
  }
  return any ? out : undefined;
}
