import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import type { AppDatabase } from '../../db/database.js';
import { addDays } from '../../db/dates.js';
import { isForeignKeyViolation, isTransient } from '../../db/errors.js';
import type { Database } from '../../models/index.js';
import { NotificationKind, type NotificationRow } from '../notifications/notification-events.js';
import { EXPIRED_SUFFIX, expiresSuffix } from './expiry-messages.js';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE } from './expiry-settings.js';
import { localDate } from './local-date.js';
import { LOCK_HELD, withSweepLock } from './sweep-lock.js';
import { type DateCondition, type ItemKey, SweepSql } from './sweep-sql.js';

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
  /** Items per chunk, each chunk one transaction (default SWEEP_CHUNK_SIZE's, 1,000). */
  chunkSize?: number;
  /**
   * Gets each chunk's notifications once the chunk has committed (app.publishNotifications), and is
   * awaited before the next chunk, so the rows in memory never exceed one chunk's.
   */
  publish?: (rows: readonly NotificationRow[]) => Promise<void>;
  /**
   * Also return every notification created in `notifications` (tests, small sweeps). Off by
   * default: a catch-up of 100,000 items would hold them all; the counts are always there.
   */
  collect?: boolean;
  /** Once aborted, the sweep stops after the chunk it is in (server shutdown); the next run goes on. */
  signal?: AbortSignal;
}

export interface SweepResult {
  /** "Today" in the configured zone. */
  today: string;
  /** Another process held the sweep lock, so this one did nothing. */
  skipped: boolean;
  /** Items marked expired. */
  expired: number;
  /** "Expired" notifications created by this sweep. */
  expiredNotifications: number;
  /** "Expiring soon" notifications created by this sweep. */
  expiringSoonNotifications: number;
  /** The notifications created, when `collect` was set; otherwise empty (see the counts). */
  notifications: NotificationRow[];
  /** Chunks committed. */
  chunks: number;
  durationMs: number;
}

type Totals = Omit<SweepResult, 'today' | 'skipped' | 'durationMs'>;

const ATTEMPTS = 5;

/** What one chunk did: the notifications it created and the items it marked expired. */
type ChunkDone = { rows: NotificationRow[]; expired: number };
/** A chunk's statements, run on its items' ids inside its transaction. */
type ChunkWork = (tx: Kysely<Database>, ids: string[]) => Promise<ChunkDone>;

/**
 * One expiry sweep, in chunks of at most `chunkSize` items, each chunk its own short transaction:
 * 1. items dated before today, by (expiry_date, id): an "expired" notification for each, then the
 *    chunk's items marked `expired` — the ones whose notification exists, so that an item never
 *    ends up expired without it (see SweepSql.expirePastItems);
 * 2. items dated today … today + warningDays not yet warned: an "expiring soon" notification each.
 * A chunk's notifications are published once it commits, and the event loop gets a turn before the
 * next chunk: on SQLite (synchronous) the server answers requests between chunks instead of
 * freezing for the whole sweep, and another process's writes wait at most one chunk for the file.
 *
 * A crash (or a failing chunk) leaves the chunks before it committed, each whole: notifications
 * and expiries together. The next sweep starts over from the first active item, and whatever was
 * done is no longer selected (an expired item is not active, a warned one has its notification),
 * so it finishes the work without repeating any. A chunk's keys come from a range of
 * ix_user_products_status_expiry_id that starts after the previous chunk's last key, and its
 * statements take its items by id, so a chunk's cost follows its items, not the size of the table.
 */
export async function runExpirySweep(database: AppDatabase, options: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  const today = localDate(options.now, options.timeZone);
  const outcome = await withSweepLock(database, options.exclusive ?? true, (db) =>
    new Sweep(db, new SweepSql(database.dialect, options.now), today, options).run(),
  );
  const durationMs = performance.now() - started;
  if (outcome === LOCK_HELD) {
    return {
      today,
      skipped: true,
      expired: 0,
      expiredNotifications: 0,
      expiringSoonNotifications: 0,
      notifications: [],
      chunks: 0,
      durationMs,
    };
  }
  return { today, skipped: false, ...outcome, durationMs };
}

/** One run's state: where each threshold's walk is, and what it has done. */
class Sweep {
  private readonly totals: Totals = {
    expired: 0,
    expiredNotifications: 0,
    expiringSoonNotifications: 0,
    notifications: [],
    chunks: 0,
  };
  private readonly chunkSize: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly q: SweepSql,
    private readonly today: string,
    private readonly options: SweepOptions,
  ) {
    this.chunkSize = Math.min(MAX_CHUNK_SIZE, Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE));
  }

  async run(): Promise<Totals> {
    const { today, q } = this;
    const past: DateCondition = (date) => sql`${date} < ${today}`;
    await this.walk(past, undefined, async (tx, ids) => {
      const notes = await q.notify(NotificationKind.expired, past, sql.lit(EXPIRED_SUFFIX), ids).execute(tx);
      const updated = await q.expirePastItems(today, ids).execute(tx);
      return { rows: notes.rows, expired: Number(updated.numAffectedRows ?? 0) };
    });

    // "expires today / tomorrow / in N days": one WHEN per day of the (short) window, so the text
    // needs no dialect's date arithmetic.
    const days = Array.from({ length: this.options.warningDays + 1 }, (_, i) => i);
    const suffix = sql`case up.expiry_date ${sql.join(
      days.map((d) => sql`when ${addDays(today, d)} then ${sql.lit(expiresSuffix(d))}`),
      sql` `,
    )} end`;
    const last = addDays(today, this.options.warningDays);
    const window: DateCondition = (date) => sql`${date} >= ${today} and ${date} <= ${last}`;
    await this.walk(window, NotificationKind.expiringSoon, async (tx, ids) => {
      const notes = await q.notify(NotificationKind.expiringSoon, window, suffix, ids).execute(tx);
      return { rows: notes.rows, expired: 0 };
    });
    return this.totals;
  }

  /**
   * Walks the active items matching `dateCondition` in index order, one chunk at a time: the
   * chunk's keys are read first (outside the transaction: on SQLite a transaction that reads before
   * it writes cannot wait for the write lock), then `work` runs on those items in one transaction,
   * retried as a whole on a deadlock. Its statements re-check every condition, so an item changed
   * in between is skipped (and, if it still qualifies, left to the next sweep).
   */
  private async walk(
    dateCondition: DateCondition,
    unnotified: string | undefined,
    work: ChunkWork,
  ): Promise<void> {
    let after: ItemKey | undefined;
    while (!this.options.signal?.aborted) {
      const keys = await this.q.nextKeys(this.db, dateCondition, after, this.chunkSize, unnotified);
      if (keys.length === 0) return;
      const done = await this.chunk(
        keys.map((k) => k.id),
        work,
      );
      this.count(done);
      await this.options.publish?.(done.rows);
      // Requests (and, on SQLite, their queries) get their turn between chunks.
      await yieldToEventLoop();
      if (keys.length < this.chunkSize) return;
      after = keys.at(-1);
    }
  }

  private async chunk(ids: string[], work: ChunkWork): Promise<ChunkDone> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute((tx) => work(tx, ids));
      } catch (e) {
        // Two sweeps without the lock (or a sweep and a user's edit) may deadlock; the loser retries.
        // An account deleted while the chunk ran: PostgreSQL's INSERT … SELECT read its items from a
        // snapshot taken before the deletion committed, so their notifications refer to a user and
        // items that are gone; the next attempt no longer sees them. (MariaDB's INSERT IGNORE skips them.)
        const retry = isTransient(e) || isForeignKeyViolation(e);
        if (!retry || attempt >= ATTEMPTS) throw e;
        await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
      }
    }
  }

  private count(done: ChunkDone): void {
    const t = this.totals;
    t.chunks++;
    t.expired += done.expired;
    for (const n of done.rows) {
      if (n.type === NotificationKind.expired) t.expiredNotifications++;
      else t.expiringSoonNotifications++;
    }
    if (this.options.collect) for (const n of done.rows) t.notifications.push(n);
  }
}
