import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { AppDatabase } from '../../db/database.js';
import { addDays } from '../../db/dates.js';
import { isForeignKeyViolation, isTransient } from '../../db/errors.js';
import type { DialectName } from '../../migrate/index.js';
import type { Database } from '../../models/index.js';
import {
  NOTIFICATION_COLUMNS,
  NotificationKind,
  type NotificationRow,
} from '../notifications/notification-events.js';
import { expiresSuffix } from './expiry-messages.js';
import { localDate } from './local-date.js';
import { inSweepTransaction, LOCK_HELD } from './sweep-lock.js';

export interface SweepOptions {
  /** The clock: tests pass any instant. */
  now: Date;
  /** The zone whose calendar date is "today". */
  timeZone: string;
  /** Items whose date is at most this many days ahead get an "expiring soon" notification. */
  warningDays: number;
  /**
   * Hold the database's sweep lock (default true), so concurrent sweeps skip rather than repeat
   * the work. Exactly-once does not depend on it: tests turn it off to prove the constraint alone holds.
   */
  exclusive?: boolean;
}

export interface SweepResult {
  /** "Today" in the configured zone. */
  today: string;
  /** Another process held the sweep lock, so this one did nothing. */
  skipped: boolean;
  /** Items marked expired. */
  expired: number;
  /** Notifications created by this sweep (expired and expiring soon), to be published. */
  notifications: NotificationRow[];
  durationMs: number;
}

const ATTEMPTS = 5;

/**
 * One expiry sweep, in one transaction of three set-based statements:
 * 1. an "expired" notification for each active item dated before today;
 * 2. an "expiring soon" notification for each active item dated today … today + warningDays;
 * 3. those past-date items marked `expired` — the ones whose notification exists, so that an item
 *    never ends up expired without it (see expirePastItems).
 * The notifications are `INSERT … SELECT` guarded twice: NOT EXISTS skips items already notified
 * for that date cheaply, and the unique (user_product_id, type, expiry_date) constraint with
 * ON CONFLICT DO NOTHING / INSERT IGNORE makes a concurrent sweep's duplicate a no-op. Each statement
 * reads a range of ix_user_products_status_expiry_date, so the cost follows the items that cross a
 * threshold (plus the few days of the warning window), not the size of the table.
 */
export async function runExpirySweep(database: AppDatabase, options: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  const today = localDate(options.now, options.timeZone);
  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await inSweepTransaction(database, options.exclusive ?? true, (tx) =>
        sweepStatements(tx, database.dialect, today, options),
      );
      const durationMs = performance.now() - started;
      if (outcome === LOCK_HELD) return { today, skipped: true, expired: 0, notifications: [], durationMs };
      return { today, skipped: false, ...outcome, durationMs };
    } catch (e) {
      // Two sweeps without the lock (or a sweep and a user's edit) may deadlock; the loser retries.
      // An account deleted while the sweep ran: PostgreSQL's INSERT … SELECT read its items from a
      // snapshot taken before the deletion committed, so their notifications refer to a user and
      // items that are gone; the next attempt no longer sees them. (MariaDB's INSERT IGNORE skips them.)
      const retry = isTransient(e) || isForeignKeyViolation(e);
      if (!retry || attempt >= ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
    }
  }
}

async function sweepStatements(
  tx: Kysely<Database>,
  dialect: DialectName,
  today: string,
  options: SweepOptions,
): Promise<{ expired: number; notifications: NotificationRow[] }> {
  const q = new SweepSql(dialect, options.now);
  const expiredNotes = await q
    .notify(NotificationKind.expired, sql`u.expiry_date < ${today}`, sql.lit(' has expired'))
    .execute(tx);

  // "expires today / tomorrow / in N days": one WHEN per day of the (short) window, so the text
  // needs no dialect's date arithmetic.
  const days = Array.from({ length: options.warningDays + 1 }, (_, i) => i);
  const suffix = sql`case up.expiry_date ${sql.join(
    days.map((d) => sql`when ${addDays(today, d)} then ${sql.lit(expiresSuffix(d))}`),
    sql` `,
  )} end`;
  const soonNotes = await q
    .notify(
      NotificationKind.expiringSoon,
      sql`u.expiry_date >= ${today} and u.expiry_date <= ${addDays(today, options.warningDays)}`,
      suffix,
    )
    .execute(tx);

  const updated = await q.expirePastItems(today).execute(tx);

  return {
    expired: Number(updated.numAffectedRows ?? 0),
    notifications: [...expiredNotes.rows, ...soonNotes.rows],
  };
}

/** The dialect-specific pieces of the notification INSERT … SELECT … RETURNING. */
class SweepSql {
  constructor(
    private readonly dialect: DialectName,
    private readonly now: Date,
  ) {}

  /**
   * The inventory read by its (status, expiry_date) index. MariaDB, when its statistics make the
   * equality on `status` alone look as selective as the range on both columns, picks the former
   * and walks every active item (0.2 s per million instead of milliseconds): the hint pins the range.
   */
  private items(): RawBuilder<unknown> {
    return this.dialect === 'mysql'
      ? sql`user_products as u force index (ix_user_products_status_expiry_date)`
      : sql`user_products as u`;
  }

  /**
   * Active items dated before today become expired — those with their "expired" notification for
   * that date only. On PostgreSQL each statement sees what committed before it started, so an item
   * added or re-dated into the past after the first statement would otherwise be expired here
   * without a notification, and no later sweep (which notifies active items only) would send one.
   * Left active, the next sweep notifies and expires it.
   */
  expirePastItems(today: string) {
    return sql`update ${this.items()} set status = 'expired', updated_at = ${this.now}
      where u.status = 'active' and u.expiry_date < ${today}
        and exists (
          select 1 from notifications n
          where n.user_product_id = u.id and n.type = ${sql.lit(NotificationKind.expired)}
            and n.expiry_date = u.expiry_date)`;
  }

  /**
   * PostgreSQL: the items notified are locked against deletion (not against edits) until commit.
   * Without it an item, or its user, deleted while the statement runs fails the whole sweep on the
   * foreign key; with it the read skips one already deleted and re-checks one edited meanwhile.
   * MariaDB's INSERT … SELECT takes shared locks on what it reads by itself; SQLite has one writer.
   */
  private lockItems(): RawBuilder<unknown> {
    return this.dialect === 'postgres' ? sql`for key share of u` : sql``;
  }

  /** A new UUID per row, made by the database (the rows never travel to the application first). */
  private uuid(): RawBuilder<string> {
    if (this.dialect === 'postgres') return sql`gen_random_uuid()::text`;
    if (this.dialect === 'mysql') return sql`uuid()`;
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

  /** Notifications of `kind` for active items matching `dateCondition`, at most one per item and date. */
  notify(kind: string, dateCondition: RawBuilder<unknown>, suffix: RawBuilder<unknown>) {
    const columns = sql.join(NOTIFICATION_COLUMNS.map((c) => sql.ref(c)));
    const returning = sql.join(NOTIFICATION_COLUMNS.map((c) => sql.ref(c)));
    const ignore = this.dialect === 'mysql' ? sql`ignore ` : sql``;
    const onConflict =
      this.dialect === 'mysql' ? sql`` : sql`on conflict (user_product_id, type, expiry_date) do nothing`;
    // The product name comes from a scalar subquery, not a join: with a join MariaDB may drive the
    // scan from the (small) products table through the product_id index, visiting every item (a
    // minute on 1M rows); alone, user_products can only be read by the status/expiry range. The
    // outer WHERE true is SQLite's rule for INSERT … SELECT … ON CONFLICT.
    return sql<NotificationRow>`insert ${ignore}into notifications (${columns})
      select ${this.uuid()}, up.user_id, up.id, ${sql.lit(kind)}, ${this.message(suffix)}, up.name,
             up.expiry_date, ${sql.lit(false)}, ${this.createdAt()}
      from (
        select u.id, u.user_id, u.expiry_date,
               (select p.name from products p where p.id = u.product_id) as name
        from ${this.items()}
        where u.status = 'active' and ${dateCondition}
          and not exists (
            select 1 from notifications n
            where n.user_product_id = u.id and n.type = ${sql.lit(kind)} and n.expiry_date = u.expiry_date)
        ${this.lockItems()}
      ) up
      where true
      ${onConflict}
      returning ${returning}`;
  }
}
