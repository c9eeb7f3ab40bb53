import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DialectName } from '../../migrate/index.js';
import type { Database } from '../../models/index.js';
import {
  NOTIFICATION_COLUMNS,
  NotificationKind,
  type NotificationRow,
} from '../notifications/notification-events.js';

/** An item's place in the sweep's order: the (status, expiry_date, id) index, within one status. */
export interface ItemKey {
  expiry_date: string;
  id: string;
}

/**
 * The sweep's statements, in each dialect. The next chunk's keys are read from a range of
 * ix_user_products_status_expiry_id (status = 'active', expiry_date in the threshold's dates,
 * (expiry_date, id) after the previous chunk's last key); the chunk's statements then take its
 * items by primary key. So a chunk costs what its items cost, whatever the size of the table.
 */
/** A threshold's dates, as a condition on the expiry date column (`date`). */
export type DateCondition = (date: RawBuilder<unknown>) => RawBuilder<boolean>;

interface ChunkItems {
  from: RawBuilder<unknown>;
  where: RawBuilder<boolean>;
  status: RawBuilder<unknown>;
  date: RawBuilder<unknown>;
}

export class SweepSql {
  constructor(
    private readonly dialect: DialectName,
    private readonly now: Date,
  ) {}

  /**
   * The inventory read by its (status, expiry_date, id) index. MariaDB, when its statistics make the
   * equality on `status` alone look as selective as the range, picks the former and walks every
   * active item (0.2 s per million instead of milliseconds): the hint pins the range.
   */
  private itemsByExpiry(): RawBuilder<unknown> {
    return this.dialect === 'mysql'
      ? sql`user_products as u force index (ix_user_products_status_expiry_id)`
      : sql`user_products as u`;
  }

  /**
   * The chunk's items, by primary key, and their status and date columns as its statements test
   * them. The planners would otherwise weigh the status/date range against the id list, and the
   * range holds every item left to sweep, not just this chunk's: MariaDB is told which index to
   * use; SQLite (which has no statistics unless ANALYZE ran) took the range, one chunk after
   * another re-reading all that was left; a unary + keeps it from using an index on a column.
   */
  private itemsById(ids: readonly string[]): ChunkItems {
    const lite = this.dialect === 'sqlite';
    return {
      from:
        this.dialect === 'mysql' ? sql`user_products as u force index (primary)` : sql`user_products as u`,
      where: sql<boolean>`u.id in (${sql.join(ids)})`,
      status: lite ? sql`+u.status` : sql`u.status`,
      date: lite ? sql`+u.expiry_date` : sql`u.expiry_date`,
    };
  }

  /**
   * (u.expiry_date, u.id) after a key. A row value on PostgreSQL and SQLite, which both
   * read it as one index range; MariaDB only filters by a row value, reading the date range from
   * its start every chunk (the warned items of the window over and over), so there it is spelled
   * out, which it reads as ranges.
   */
  private after(k: ItemKey): RawBuilder<boolean> {
    return this.dialect === 'mysql'
      ? sql`(u.expiry_date > ${k.expiry_date} or (u.expiry_date = ${k.expiry_date} and u.id > ${k.id}))`
      : sql`(u.expiry_date, u.id) > (${k.expiry_date}, ${k.id})`;
  }

  /** No notification of `kind` yet for the item's current date. */
  private notNotified(kind: string): RawBuilder<boolean> {
    return sql`not exists (
      select 1 from notifications n
      where n.user_product_id = u.id and n.type = ${sql.lit(kind)} and n.expiry_date = u.expiry_date)`;
  }

  /**
   * The keys of the next chunk: up to `limit` active items matching `dateCondition` after `after`,
   * in index order. With `unnotified`, only items without a notification of that kind: the
   * "expiring soon" items stay active once warned, so a chunk made of all items in the window would
   * be mostly warned ones, sweep after sweep.
   */
  async nextKeys(
    db: Kysely<Database>,
    dateCondition: DateCondition,
    after: ItemKey | undefined,
    limit: number,
    unnotified?: string,
  ): Promise<ItemKey[]> {
    const query = sql<ItemKey>`select u.expiry_date, u.id from ${this.itemsByExpiry()}
      where u.status = 'active' and ${dateCondition(sql`u.expiry_date`)}
        ${after ? sql`and ${this.after(after)}` : sql``}
        ${unnotified ? sql`and ${this.notNotified(unnotified)}` : sql``}
      order by u.expiry_date, u.id
      limit ${sql.lit(limit)}`;
    if (this.dialect !== 'postgres') return (await query.execute(db)).rows;
    // PostgreSQL estimates the status and the date independently: most items are active, so it
    // expects many active items dated in the past, and prefers reading idx_product_expiry (dates
    // only) with an incremental sort on id, filtering out every expired and consumed item on the
    // way (0.3 s per chunk on 1M items, however small the chunk). Without incremental sort that
    // plan needs a full sort, and the (status, expiry_date, id) range wins, as it should.
    return db.transaction().execute(async (tx) => {
      await sql`set local enable_incremental_sort = off`.execute(tx);
      return (await query.execute(tx)).rows;
    });
  }

  /**
   * The chunk's active items dated before today become expired — those with their "expired"
   * notification for that date only. On PostgreSQL each statement sees what committed before it
   * started, so an item of the chunk re-dated after its notification statement (to another past
   * date) would otherwise be expired here without a notification for that date, and no later sweep (which notifies active
   * items only) would send one. Left active, the next sweep notifies and expires it.
   */
  expirePastItems(today: string, ids: readonly string[]) {
    const items = this.itemsById(ids);
    return sql`update ${items.from} set status = 'expired', updated_at = ${this.now}
      where ${items.where} and ${items.status} = 'active' and ${items.date} < ${today}
        and exists (
          select 1 from notifications n
          where n.user_product_id = u.id and n.type = ${sql.lit(NotificationKind.expired)}
            and n.expiry_date = u.expiry_date)`;
  }

  /**
   * PostgreSQL: the items notified are locked against deletion (not against edits) until commit.
   * Without it an item, or its user, deleted while the statement runs fails the chunk on the
   * foreign key; with it the read skips one already deleted and re-checks one edited meanwhile.
   * MariaDB's INSERT … SELECT takes shared locks on what it reads by itself; SQLite has one writer.
   */
  private lockItems(): RawBuilder<unknown> {
    return this.dialect === 'postgres' ? sql`for key share of u` : sql``;
  }

  /**
   * A new version-4 (random) UUID per row, made by the database (the rows never travel to the
   * application first), as the application's own randomUUID() makes them: unguessable.
   */
  private uuid(): RawBuilder<string> {
    if (this.dialect === 'postgres') return sql`gen_random_uuid()::text`;
    // MariaDB's uuid() is version 1 (a timestamp and the host's id: guessable, and it leaks the
    // host) and 10.11 has no uuid_v4(). From RANDOM_BYTES(16) (MySQL 8 has it too): the version
    // nibble made 4, the variant nibble 8, 9, a or b (bits 10xx, its two random bits from one more
    // byte), then the dashes, right to left so that positions hold. Each random value is written
    // once: one referred to twice could be drawn twice.
    if (this.dialect === 'mysql') {
      return sql`lower(insert(insert(insert(insert(insert(insert(hex(random_bytes(16)),
        13, 1, '4'), 17, 1, substr('89ab', 1 + (ascii(random_bytes(1)) & 3), 1)),
        21, 0, '-'), 17, 0, '-'), 13, 0, '-'), 9, 0, '-'))`;
    }
    // SQLite has no UUID function: a version-4 UUID from random bytes.
    return sql`lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`;
  }

  /** 'Product ' + name + suffix; MySQL's || is OR. */
  private message(suffix: RawBuilder<unknown>): RawBuilder<string> {
    return this.dialect === 'mysql'
      ? sql`concat('Product ', up.name, ${suffix})`
      : sql`'Product ' || up.name || ${suffix}`;
  }

  /** The sweep's instant; PostgreSQL cannot infer a parameter's type in a SELECT list. */
  private createdAt(): RawBuilder<Date> {
    return this.dialect === 'postgres' ? sql`cast(${this.now} as timestamptz)` : sql`${this.now}`;
  }

  /**
   * Notifications of `kind` for the chunk's active items matching `dateCondition`, at most one per
   * item and date: NOT EXISTS skips items already notified cheaply, and the unique
   * (user_product_id, type, expiry_date) constraint with ON CONFLICT DO NOTHING / INSERT IGNORE
   * makes a concurrent sweep's duplicate a no-op.
   */
  notify(kind: string, dateCondition: DateCondition, suffix: RawBuilder<unknown>, ids: readonly string[]) {
    const items = this.itemsById(ids);
    const columns = sql.join(NOTIFICATION_COLUMNS.map((c) => sql.ref(c)));
    const returning = sql.join(NOTIFICATION_COLUMNS.map((c) => sql.ref(c)));
    const ignore = this.dialect === 'mysql' ? sql`ignore ` : sql``;
    const onConflict =
      this.dialect === 'mysql' ? sql`` : sql`on conflict (user_product_id, type, expiry_date) do nothing`;
    // The product name comes from a scalar subquery, not a join: with a join MariaDB may drive the
    // scan from the (small) products table through the product_id index, visiting every item (a
    // minute on 1M rows); alone, user_products is read by the chunk's ids. The outer WHERE true is
    // SQLite's rule for INSERT … SELECT … ON CONFLICT.
    return sql<NotificationRow>`insert ${ignore}into notifications (${columns})
      select ${this.uuid()}, up.user_id, up.id, ${sql.lit(kind)}, ${this.message(suffix)}, up.name,
             up.expiry_date, ${sql.lit(false)}, ${this.createdAt()}
      from (
        select u.id, u.user_id, u.expiry_date,
               (select p.name from products p where p.id = u.product_id) as name
        from ${items.from}
        where ${items.where} and ${items.status} = 'active' and ${dateCondition(items.date)}
          and ${this.notNotified(kind)}
        ${this.lockItems()}
      ) up
      where true
      ${onConflict}
      returning ${returning}`;
  }
}
