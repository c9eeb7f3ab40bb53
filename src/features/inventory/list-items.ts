import type { Static } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { addDays, iso } from '../../db/dates.js';
import { likePattern } from '../../db/like-pattern.js';
import type { Database } from '../../models/index.js';
import { INVENTORY_NUTRIENT_ORDER, NUTRIENTS, nutritionText } from '../catalogue/nutrition.js';
import { effectiveStatus } from './effective-status.js';
import { ITEM_COLUMNS } from './item-columns.js';
import type { ListQuery } from './schemas.js';

/**
 * One page of a user's inventory in the original's list shape (plus item id, estimate flag, days
 * left, status): filtered by status, by expiring within N days and by name, sorted, paginated.
 * A fixed number of queries whatever the number of items: the page with its products and
 * nutrition in one join, and a count only when the page does not already tell the total.
 */
export async function listItems(
  db: Kysely<Database>,
  userId: string,
  q: Static<typeof ListQuery>,
  today: string,
) {
  let query = db
    .selectFrom('user_products as up')
    .innerJoin('products as p', 'p.id', 'up.product_id')
    .leftJoin('nutrition as n', 'n.product_id', 'p.id')
    .where('up.user_id', '=', userId);
  if (q.status === 'active') {
    query = query
      .where('up.status', '=', 'active')
      .where((eb) => eb.or([eb('up.expiry_date', 'is', null), eb('up.expiry_date', '>=', today)]));
  } else if (q.status === 'expired') {
    query = query.where((eb) =>
      eb.or([
        eb('up.status', '=', 'expired'),
        eb.and([eb('up.status', '=', 'active'), eb('up.expiry_date', '<', today)]),
      ]),
    );
  } else if (q.status) {
    query = query.where('up.status', '=', q.status);
  }
  if (q.expiringWithinDays !== undefined) {
    query = query
      .where('up.status', '=', 'active')
      .where('up.expiry_date', '>=', today)
      .where('up.expiry_date', '<=', addDays(today, q.expiringWithinDays));
  }
  if (q.name) {
    query = query.where(sql<boolean>`lower(p.name) like ${likePattern(q.name.toLowerCase())} escape '!'`);
  }

  const dir = q.order ?? (q.sort === 'addedAt' ? 'desc' : 'asc');
  let page = query
    .select([...ITEM_COLUMNS, 'up.added_at', 'up.updated_at'])
    .select(NUTRIENTS.map((n) => `n.${n}` as const));
  switch (q.sort) {
    case 'expiryDate':
      page = page
        .orderBy(sql`case when up.expiry_date is null then 1 else 0 end`)
        .orderBy('up.expiry_date', dir)
        .orderBy('up.added_at', 'desc');
      break;
    case 'name':
      page = page.orderBy(sql`lower(p.name)`, dir).orderBy('up.added_at', 'desc');
      break;
    case 'quantity':
      page = page.orderBy('up.quantity', dir).orderBy('up.added_at', 'desc');
      break;
    default:
      page = page.orderBy('up.added_at', dir);
  }
  const rows = await page.orderBy('up.id').limit(q.limit).offset(q.offset).execute();

  // The total is known without counting unless the page is full or starts past the first row.
  let total = q.offset + rows.length;
  if (rows.length === q.limit || (rows.length === 0 && q.offset > 0)) {
    const c = await query.select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow();
    total = Number(c.c);
  }
  const todayMs = Date.parse(`${today}T00:00:00Z`);
  return {
    total,
    limit: q.limit,
    offset: q.offset,
    products: rows.map((r) => ({
      id: r.product_id,
      itemId: r.item_id,
      productId: r.product_id,
      name: r.name,
      category: r.category,
      quantity: r.quantity,
      expiryDate: r.expiry_date,
      expiryEstimated: r.expiry_estimated,
      daysUntilExpiry: r.expiry_date
        ? Math.round((Date.parse(`${r.expiry_date}T00:00:00Z`) - todayMs) / 86_400_000)
        : null,
      nutrition: nutritionText(r, INVENTORY_NUTRIENT_ORDER),
      addedAt: iso(r.added_at)!,
      status: effectiveStatus(r.status, r.expiry_date, today),
      notes: r.notes,
      updatedAt: iso(r.updated_at),
    })),
  };
}
