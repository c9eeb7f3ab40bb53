import { type RawBuilder, sql } from 'kysely';
import { notFound } from '../../app/http-error.js';
import type { AuthUser } from '../../app/tokens.js';
import type { AppDatabase } from '../../db/database.js';
import { addDays, todayUtc } from '../../db/dates.js';
import { writtenJoinOrder } from '../../db/join-order.js';
import type { DialectName } from '../../migrate/index.js';
import { EXACT } from '../../models/exact-collation.js';
import { NUTRIENTS, UNITS } from '../catalogue/nutrition.js';

const n = (v: unknown) => Number(v ?? 0);

/** `column` compared and sorted by code points: the models' EXACT collation (SQLite's default). */
function byCodePoints(column: string, dialect: DialectName): RawBuilder<string> {
  if (dialect === 'sqlite') return sql.raw(column);
  const name = EXACT[dialect];
  return sql.raw(`${column} collate ${dialect === 'postgres' ? `"${name}"` : name}`);
}

/** An item is wasted once expired (stored, or active with its date passed) or discarded. */
function wasted(today: string): RawBuilder<boolean> {
  return sql<boolean>`(up.status in ('expired', 'discarded') or (up.status = 'active' and up.expiry_date < ${today}))`;
}

function expired(today: string): RawBuilder<boolean> {
  return sql<boolean>`(up.status = 'expired' or (up.status = 'active' and up.expiry_date < ${today}))`;
}

/** Statistics over the caller's inventory only, each one SQL aggregate query. */
export class StatsService {
  constructor(
    private readonly database: AppDatabase,
    /** Today's date in the app's time zone (`APP_TIMEZONE`). */
    private readonly today: () => string = todayUtc,
  ) {}

  private get db() {
    return this.database.db;
  }

  async expiredProducts(user: AuthUser) {
    const today = this.today();
    const rows = await this.db
      .selectFrom('user_products as up')
      .select([
        'up.expiry_date',
        (eb) => eb.fn.countAll<number>().as('items'),
        (eb) => eb.fn.sum<number>('up.quantity').as('units'),
      ])
      .where('up.user_id', '=', user.id)
      .where('up.expiry_date', 'is not', null)
      .where(expired(today))
      .groupBy('up.expiry_date')
      .orderBy('up.expiry_date')
      .execute();
    return rows.map((r) => ({
      date: r.expiry_date!,
      expired_count: n(r.items),
      expired_quantity: n(r.units),
    }));
  }

  async expiryTrends(user: AuthUser, days: number) {
    const today = this.today();
    const w = wasted(today);
    const rows = await this.db
      .selectFrom('user_products as up')
      .select([
        'up.expiry_date',
        (eb) => eb.fn.countAll<number>().as('expiring'),
        sql<number>`sum(case when up.status = 'consumed' then 1 else 0 end)`.as('consumed'),
        sql<number>`sum(case when ${w} then 1 else 0 end)`.as('wasted'),
        sql<number>`sum(case when ${w} then up.quantity else 0 end)`.as('wasted_units'),
      ])
      .where('up.user_id', '=', user.id)
      .where('up.expiry_date', '>=', addDays(today, -days))
      .where('up.expiry_date', '<=', addDays(today, days))
      .groupBy('up.expiry_date')
      .orderBy('up.expiry_date')
      .execute();
    return rows.map((r) => ({
      date: r.expiry_date!,
      expiring: n(r.expiring),
      consumed: n(r.consumed),
      wasted: n(r.wasted),
      wasted_cost: n(r.wasted_units),
    }));
  }

  async wastageByCategory(user: AuthUser) {
    const today = this.today();
    // Categories are kept as typed: "Dairy" and "dairy", "Café" and "Cafe" are two. MariaDB's
    // column collation (utf8mb4_general_ci) would group them as one, under either spelling; and the
    // order would follow each database's collation. Grouped and sorted by code points on all three.
    const category = byCodePoints('p.category', this.database.dialect);
    const rows = await writtenJoinOrder(
      this.db.selectFrom('user_products as up').innerJoin('products as p', 'p.id', 'up.product_id'),
      this.database.dialect,
    )
      .select([category.as('category'), (eb) => eb.fn.countAll<number>().as('items')])
      .where('up.user_id', '=', user.id)
      .where(wasted(today))
      .groupBy(category)
      .orderBy(category)
      .execute();
    const total = rows.reduce((s, r) => s + n(r.items), 0);
    return rows.map((r) => ({
      category: r.category,
      percentage: Math.round((n(r.items) * 10000) / total) / 100,
      count: n(r.items),
    }));
  }

  async wastedVsEaten(user: AuthUser) {
    const today = this.today();
    const r = await this.db
      .selectFrom('user_products as up')
      .select([
        sql<number>`sum(case when ${wasted(today)} then 1 else 0 end)`.as('wasted'),
        sql<number>`sum(case when up.status = 'active' and (up.expiry_date is null or up.expiry_date >= ${today}) then 1 else 0 end)`.as(
          'active',
        ),
        sql<number>`sum(case when up.status = 'consumed' then 1 else 0 end)`.as('consumed'),
      ])
      .where('up.user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    return [
      { status: 'wasted' as const, count: n(r.wasted) },
      { status: 'active' as const, count: n(r.active) },
      { status: 'consumed' as const, count: n(r.consumed) },
    ];
  }

  /** A catalogue product's nutrients, by product id or by one of the caller's item ids. */
  async nutrients(user: AuthUser, id: string) {
    const row = await this.db
      .selectFrom('products as p')
      .leftJoin('nutrition as nu', 'nu.product_id', 'p.id')
      .select(['p.name', 'p.nutrition_status'])
      .select(NUTRIENTS.map((k) => `nu.${k}` as const))
      .where((eb) =>
        eb.or([
          eb('p.id', '=', id),
          eb(
            'p.id',
            'in',
            eb
              .selectFrom('user_products')
              .select('product_id')
              .where('id', '=', id)
              .where('user_id', '=', user.id),
          ),
        ]),
      )
      .executeTakeFirst();
    if (!row) throw notFound('Product not found');
    const nutrients: Record<string, number | null> = {};
    for (const k of NUTRIENTS) nutrients[k] = row[k] === null || row[k] === undefined ? null : Number(row[k]);
    return { item: row.name, nutrients, units: { ...UNITS }, nutritionStatus: row.nutrition_status };
  }
}
