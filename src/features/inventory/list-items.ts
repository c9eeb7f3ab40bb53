import type { Static } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import type { AppDatabase } from '../../db/database.js';
import { addDays, iso } from '../../db/dates.js';
import { writtenJoinOrder } from '../../db/join-order.js';
import { likePattern } from '../../db/like-pattern.js';
import { pageTotal } from '../../db/page-total.js';
import { QueryTemplate } from '../../db/query-template.js';
import type { DialectName } from '../../migrate/index.js';
import type { Database } from '../../models/index.js';
import { nameMatches } from '../catalogue/name-filter.js';
import { INVENTORY_NUTRIENT_ORDER, NUTRIENTS, nutritionText } from '../catalogue/nutrition.js';
import { nameKey } from '../catalogue/product-name.js';
import { effectiveStatus } from './effective-status.js';
import { ITEM_COLUMNS } from './item-columns.js';
import type { ListQuery } from './schemas.js';

type Query = Static<typeof ListQuery>;

/** What decides a list query's SQL; everything else is a value. */
interface Shape {
  dialect: DialectName;
  status: Query['status'];
  expiring: boolean;
  named: boolean;
  sort: Query['sort'];
  dir: 'asc' | 'desc';
}

type Values = {
  userId: string;
  today: string;
  /** Last day of the "expiring within N days" window ('' when not filtered). */
  until: string;
  /** LIKE pattern of the name filter ('' when not filtered). */
  pattern: string;
  limit: number;
  offset: number;
};

const shapeKey = (s: Shape) => `${s.dialect} ${s.status} ${s.expiring} ${s.named} ${s.sort} ${s.dir}`;

/** The caller's items joined with their product and nutrition, filtered: the page and the count share it. */
function filtered(db: Kysely<Database>, s: Shape, v: Values) {
  let query = writtenJoinOrder(
    db
      .selectFrom('user_products as up')
      .innerJoin('products as p', 'p.id', 'up.product_id')
      .leftJoin('nutrition as n', 'n.product_id', 'p.id')
      .where('up.user_id', '=', v.userId),
    s.dialect,
  );
  if (s.status === 'active') {
    query = query
      .where('up.status', '=', 'active')
      .where((eb) => eb.or([eb('up.expiry_date', 'is', null), eb('up.expiry_date', '>=', v.today)]));
  } else if (s.status === 'expired') {
    query = query.where((eb) =>
      eb.or([
        eb('up.status', '=', 'expired'),
        eb.and([eb('up.status', '=', 'active'), eb('up.expiry_date', '<', v.today)]),
      ]),
    );
  } else if (s.status) {
    query = query.where('up.status', '=', s.status);
  }
  if (s.expiring) {
    query = query
      .where('up.status', '=', 'active')
      .where('up.expiry_date', '>=', v.today)
      .where('up.expiry_date', '<=', v.until);
  }
  if (s.named) query = query.where(nameMatches(v.pattern, s.dialect));
  return query;
}

const pageQuery = new QueryTemplate(shapeKey, (db: Kysely<Database>, s: Shape, v: Values) => {
  const page = filtered(db, s, v)
    .select([...ITEM_COLUMNS, 'up.added_at', 'up.updated_at', 'p.nutrition_status'])
    .select(NUTRIENTS.map((n) => `n.${n}` as const));
  let sorted: typeof page;
  switch (s.sort) {
    case 'expiryDate':
      sorted = page
        .orderBy(sql`case when up.expiry_date is null then 1 else 0 end`)
        .orderBy('up.expiry_date', s.dir)
        .orderBy('up.added_at', 'desc');
      break;
    case 'name':
      sorted = page.orderBy('p.name_key', s.dir).orderBy('up.added_at', 'desc');
      break;
    case 'quantity':
      sorted = page.orderBy('up.quantity', s.dir).orderBy('up.added_at', 'desc');
      break;
    default:
      sorted = page.orderBy('up.added_at', s.dir);
  }
  return sorted.orderBy('up.id').limit(v.limit).offset(v.offset);
});

const countQuery = new QueryTemplate(shapeKey, (db: Kysely<Database>, s: Shape, v: Values) =>
  filtered(db, s, v).select((eb) => eb.fn.countAll<number>().as('c')),
);

function shapeAndValues(dialect: DialectName, userId: string, q: Query, today: string): [Shape, Values] {
  return [
    {
      dialect,
      status: q.status,
      expiring: q.expiringWithinDays !== undefined,
      named: Boolean(q.name),
      sort: q.sort,
      dir: q.order ?? (q.sort === 'addedAt' ? 'desc' : 'asc'),
    },
    {
      userId,
      today,
      until: q.expiringWithinDays !== undefined ? addDays(today, q.expiringWithinDays) : '',
      pattern: q.name ? likePattern(nameKey(q.name)) : '',
      limit: q.limit,
      offset: q.offset,
    },
  ];
}

/** The SQL of a list page as `listItems` sends it (the bench's floor sends the same). */
export function listPageQuery(database: AppDatabase, userId: string, q: Query, today: string) {
  return pageQuery.compile(database.db, ...shapeAndValues(database.dialect, userId, q, today));
}

/**
 * One page of a user's inventory in the original's list shape (plus item id, estimate flag, days
 * left, status): filtered by status, by expiring within N days and by name, sorted, paginated.
 * A fixed number of queries whatever the number of items: the page with its products and
 * nutrition in one join, and a count only when the page does not already tell the total. Both are
 * compiled once per combination of filters and order (query-template.ts).
 */
export async function listItems(database: AppDatabase, userId: string, q: Query, today: string) {
  const { db } = database;
  const [shape, values] = shapeAndValues(database.dialect, userId, q, today);
  const rows = await pageQuery.execute(db, shape, values);

  const total = await pageTotal(
    q,
    rows.length,
    async () => (await countQuery.execute(db, shape, values))[0]!.c,
  );
  // Items of one product share its nutrition: formatted once per product.
  const nutrition = new Map<string, Record<string, string>>();
  const nutritionOf = (r: (typeof rows)[number]) => {
    let text = nutrition.get(r.product_id);
    if (!text) {
      text = nutritionText(r, INVENTORY_NUTRIENT_ORDER);
      nutrition.set(r.product_id, text);
    }
    return text;
  };
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
      nutrition: nutritionOf(r),
      nutritionStatus: r.nutrition_status,
      addedAt: iso(r.added_at)!,
      status: effectiveStatus(r.status, r.expiry_date, today),
      notes: r.notes,
      updatedAt: iso(r.updated_at),
    })),
  };
}
