import { randomUUID } from 'node:crypto';
import type { Kysely, RawBuilder, Selectable } from 'kysely';
import { conflict, HttpError, ValidationFailure } from '../../app/http-error.js';
import type { AuthUser } from '../../app/tokens.js';
import type { Database } from '../../models/index.js';
import { checkDailyQuota } from './daily-quota.js';
import { type NoNutritionStatus, type NutritionValues, nutritionRow } from './nutrition.js';
import { checkedCategory, checkedName, nameKey } from './product-name.js';

const BARCODE = /^[0-9A-Za-z._-]{1,64}$/;
const BARCODE_MESSAGE = 'Barcode may hold only letters, digits, ".", "_" and "-"';

/** A 422 unless `barcode` (when there is one) is letters, digits, `.`, `_` and `-`. */
export function checkBarcode(barcode: string | null): void {
  if (barcode && !BARCODE.test(barcode)) {
    throw new ValidationFailure([{ field: 'barcode', message: BARCODE_MESSAGE }]);
  }
}

/**
 * The 409 of a name already in the catalogue. Committed by a concurrent request after the caller
 * looked the name up and found none (PostgreSQL reads each statement's own snapshot), it is the
 * same race as the unique key's: `inTransaction`'s `retryUnique` runs the work again, which then
 * finds that entry and uses it.
 */
export class NameClash extends HttpError {
  constructor(name: string) {
    super(409, `A product named '${name}' already exists in the catalogue`);
  }
}

/**
 * A 409 when another catalogue product (not `exceptId`) has this name, whatever its case, or
 * this barcode; the unique keys catch what a concurrent request adds after this check.
 */
export async function refuseClash(
  tx: Kysely<Database>,
  name: string,
  barcode: string | null,
  exceptId?: string,
) {
  let query = tx
    .selectFrom('products')
    .select(['name', 'barcode'])
    .where((eb) =>
      barcode
        ? eb.or([eb('name_key', '=', nameKey(name)), eb('barcode', '=', barcode)])
        : eb('name_key', '=', nameKey(name)),
    );
  if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
  const clash = await query.executeTakeFirst();
  if (clash) {
    throw clash.barcode === barcode && barcode
      ? conflict(`Barcode ${barcode} is already used by another product`)
      : new NameClash(clash.name);
  }
}

export interface NewProduct {
  name: string;
  category?: string | undefined;
  barcode?: string | null | undefined;
  nutrition?: NutritionValues | undefined;
  /**
   * The status without nutrients: `pending` while a nutrition source is configured, so the
   * background updater looks the product up; `unknown` (the default) when there is none.
   */
  withoutNutrition?: NoNutritionStatus | undefined;
  /** Products the user may add in 24 hours (none: no cap, for the application's own writes). */
  dailyLimit?: number | undefined;
  /** The clause that locks the user's row while the quota is counted. */
  quotaLock?: RawBuilder<unknown> | undefined;
}

/**
 * Inserts a catalogue product (and its nutrition row) inside `tx`, owned by `user`. A name or
 * barcode already in the catalogue is a 409.
 */
export async function insertProduct(tx: Kysely<Database>, user: AuthUser, p: NewProduct) {
  const name = checkedName(p.name);
  const category = checkedCategory(p.category) ?? 'Uncategorized';
  const barcode = p.barcode?.trim() || null;
  checkBarcode(barcode);
  // First, before any plain read: see checkDailyQuota.
  if (p.dailyLimit !== undefined) await checkDailyQuota(tx, user, p.dailyLimit, p.quotaLock);
  await refuseClash(tx, name, barcode);
  const id = randomUUID();
  await writeProduct(tx, {
    id,
    name,
    category,
    barcode,
    nutritionStatus: p.nutrition ? 'found' : (p.withoutNutrition ?? 'unknown'),
    createdBy: user.id,
    nutrition: p.nutrition,
    source: 'user',
  });
  return { id, name, category, barcode };
}

/**
 * The rows of a new catalogue product: the product, and its nutrition row when there are values
 * (from the user, or from the provider a scan looked the barcode up in).
 */
export async function writeProduct(
  tx: Kysely<Database>,
  p: {
    id: string;
    name: string;
    category: string;
    barcode: string | null;
    brand?: string | null | undefined;
    nutritionStatus: Selectable<Database['products']>['nutrition_status'];
    createdBy: string | null;
    nutrition: NutritionValues | undefined;
    source: Selectable<Database['nutrition']>['source'];
  },
): Promise<void> {
  const now = new Date();
  await tx
    .insertInto('products')
    .values({
      id: p.id,
      name: p.name,
      name_key: nameKey(p.name),
      category: p.category,
      barcode: p.barcode,
      brand: p.brand ?? null,
      nutrition_status: p.nutritionStatus,
      created_by: p.createdBy,
      created_at: now,
    })
    .execute();
  if (p.nutrition) {
    await tx
      .insertInto('nutrition')
      .values({
        id: randomUUID(),
        product_id: p.id,
        ...nutritionRow(p.nutrition),
        source: p.source,
        updated_at: now,
      })
      .execute();
  }
}
