import type { Logger } from 'pino';
import type { AppDatabase } from '../../db/database.js';
import type { NotificationRow } from '../notifications/notification-events.js';
import type { ExpirySettings } from './expiry-settings.js';
import { runExpirySweep, type SweepResult } from './expiry-sweep.js';

export interface SchedulerDeps {
  database: AppDatabase;
  settings: ExpirySettings;
  /** Where created notifications go once committed (app.publishNotifications). */
  publish: (rows: readonly NotificationRow[]) => Promise<void>;
  log: Pick<Logger, 'info' | 'debug' | 'error'>;
  /** The clock; tests inject one. */
  now?: () => Date;
}

/**
 * Sweeps every SWEEP_INTERVAL_SECONDS inside the server. Each run is one short transaction; on
 * several instances the sweep lock lets one of them do it and the others skip, so the interval is
 * how late a notification can be, not a load multiplier. The first run is one interval after
 * start (a restarted instance is caught up by whichever instance sweeps next, or by itself then).
 */
export class SweepScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | undefined;
  private stopped = true;

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

  /** One sweep now, its notifications published; a call while one runs joins it. */
  runOnce(now?: Date): Promise<SweepResult> {
    this.running ??= this.sweep(now ?? this.deps.now?.() ?? new Date()).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweep(now: Date): Promise<SweepResult> {
    const { database, settings, publish, log } = this.deps;
    let result: SweepResult;
    try {
      result = await runExpirySweep(database, {
        now,
        timeZone: settings.timeZone,
        warningDays: settings.warningDays,
      });
    } catch (e) {
      log.error({ err: e }, 'expiry sweep failed');
      throw e;
    }
    await publish(result.notifications);
    const summary = {
      today: result.today,
      expired: result.expired,
      notifications: result.notifications.length,
      ms: Math.round(result.durationMs),
    };
    if (result.skipped) log.debug('expiry sweep skipped: another instance is sweeping');
    else if (result.expired > 0 || result.notifications.length > 0) log.info(summary, 'expiry sweep');
    else log.debug(summary, 'expiry sweep: nothing to do');
    return result;
  }

  /** Stops the timer and waits for a running sweep to finish (its transaction is short). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }
}
