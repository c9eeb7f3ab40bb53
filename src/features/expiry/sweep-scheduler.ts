import type { Logger } from 'pino';
import type { AppDatabase } from '../../db/database.js';
import type { NotificationRow } from '../notifications/notification-events.js';
import type { ExpirySettings } from './expiry-settings.js';
import { runExpirySweep, type SweepResult } from './expiry-sweep.js';

export interface SchedulerDeps {
  database: AppDatabase;
  settings: ExpirySettings;
  /** Where each chunk's notifications go once it has committed (app.publishNotifications). */
  publish: (rows: readonly NotificationRow[]) => Promise<void>;
  log: Pick<Logger, 'info' | 'debug' | 'error'>;
  /** The clock; tests inject one. */
  now?: () => Date;
}

/**
 * Sweeps every SWEEP_INTERVAL_SECONDS inside the server. Each run is a series of short
 * transactions (chunks of SWEEP_CHUNK_SIZE items), each chunk's notifications published as it
 * commits; on several instances the sweep lock lets one of them do it and the others skip, so the
 * interval is how late a notification can be, not a load multiplier. The first run is one interval
 * after start (a restarted instance is caught up by whichever instance sweeps next, or by itself then).
 */
export class SweepScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: { promise: Promise<SweepResult>; collect: boolean } | undefined;
  private stopped = true;
  /** Aborted by stop(): a running sweep ends after its current chunk (the next run does the rest). */
  private stopping = new AbortController();

  constructor(private readonly deps: SchedulerDeps) {}

  start(): void {
    if (this.deps.settings.intervalSeconds <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    // A timeout chain, not setInterval: a slow sweep delays the next instead of overlapping it.
    this.timer = setTimeout(() => {
      this.runOnce()
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, this.deps.settings.intervalSeconds * 1000);
    this.timer.unref();
  }

  /**
   * One sweep now, its notifications published; a call while one runs joins it. With `collect`
   * (tests, admin) the result also lists every notification created: such a call does not join a
   * run that is not collecting, it waits for it and sweeps again.
   */
  async runOnce(now?: Date, options: { collect?: boolean } = {}): Promise<SweepResult> {
    const collect = options.collect ?? false;
    while (this.running && collect && !this.running.collect)
      await this.running.promise.catch(() => undefined);
    if (!this.running) {
      const promise = this.sweep(now ?? this.deps.now?.() ?? new Date(), collect).finally(() => {
        this.running = undefined;
      });
      this.running = { promise, collect };
    }
    return this.running.promise;
  }

  private async sweep(now: Date, collect: boolean): Promise<SweepResult> {
    const { database, settings, publish, log } = this.deps;
    let result: SweepResult;
    try {
      result = await database.withStatementTimeout(
        settings.statementTimeoutSeconds * 1000 || undefined,
        () =>
          runExpirySweep(database, {
            now,
            timeZone: settings.timeZone,
            warningDays: settings.warningDays,
            chunkSize: settings.chunkSize,
            publish,
            collect,
            signal: this.stopping.signal,
          }),
        'SWEEP_STATEMENT_TIMEOUT_SECONDS',
      );
    } catch (e) {
      // The chunks committed before the failure stay, and were published; the next run goes on.
      log.error({ err: e }, 'expiry sweep failed');
      throw e;
    }
    const notifications = result.expiredNotifications + result.expiringSoonNotifications;
    const summary = {
      today: result.today,
      expired: result.expired,
      notifications,
      chunks: result.chunks,
      ms: Math.round(result.durationMs),
    };
    if (result.skipped) log.debug('expiry sweep skipped: another instance is sweeping');
    else if (result.expired > 0 || notifications > 0) log.info(summary, 'expiry sweep');
    else log.debug(summary, 'expiry sweep: nothing to do');
    return result;
  }

  /** Stops the timer and waits for a running sweep to finish its current chunk. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.running?.promise.catch(() => undefined);
    this.stopping = new AbortController();
  }
}
