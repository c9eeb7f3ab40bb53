import { ProviderError } from './http-json.js';

/** A 429 without Retry-After. */
const DEFAULT_RATE_LIMIT_MS = 60_000;
/** Server errors in a row that start a pause, its first length, and its cap (it doubles while they go on). */
const SERVER_ERRORS_BEFORE_PAUSE = 3;
const FIRST_PAUSE_MS = 30_000;
const MAX_PAUSE_MS = 10 * 60_000;

/** Thrown instead of calling a provider that asked us to wait (or keeps failing). */
export class ProviderBackingOff extends ProviderError {}

/**
 * When a provider is not to be asked: after a 429 until its Retry-After (at most an hour, as
 * retry-after.ts reads it), after a run of 5xx answers for a growing pause. Asking on regardless
 * spends a rate limit that is shared by the whole server (Open Food Facts: ~100 product queries a
 * minute) and slows every scan by a failing call. The state is this process's: with several
 * instances, each backs off on its own.
 */
export class ProviderBackoff {
  private until = 0;
  /** When the latest pause was set: calls already under way then belong to the same outage. */
  private pausedAt = Number.NEGATIVE_INFINITY;
  private reason: ProviderError | undefined;
  private serverErrors = 0;

  constructor(
    private readonly provider: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws ProviderBackingOff while a pause lasts. */
  check(): void {
    const left = this.until - this.now();
    if (left <= 0) return;
    throw new ProviderBackingOff(
      this.provider,
      this.reason?.kind ?? 'server_error',
      `not asked for ${Math.ceil(left / 1000)} s more (${this.reason?.message ?? 'backing off'})`,
      left,
      this.reason?.status,
    );
  }

  /** Runs `call` unless paused, and learns from how it ends. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    this.check();
    const started = this.now();
    try {
      const result = await call();
      this.serverErrors = 0;
      return result;
    } catch (e) {
      // A call that was under way when a pause began fails with the same outage: counted once, or
      // a burst of scans in flight together would double the pause for each of them (to the cap).
      if (e instanceof ProviderError && started > this.pausedAt) this.learn(e);
      throw e;
    }
  }

  private learn(e: ProviderError): void {
    if (e.kind === 'rate_limited') {
      this.pause(e, e.retryAfterMs ?? DEFAULT_RATE_LIMIT_MS);
    } else if (e.kind === 'server_error') {
      this.serverErrors++;
      const over = this.serverErrors - SERVER_ERRORS_BEFORE_PAUSE;
      // A 503's Retry-After is the service's own word on when to come back.
      if (e.retryAfterMs !== undefined) this.pause(e, e.retryAfterMs);
      else if (over >= 0) this.pause(e, Math.min(FIRST_PAUSE_MS * 2 ** over, MAX_PAUSE_MS));
    }
  }

  private pause(e: ProviderError, ms: number): void {
    this.until = Math.max(this.until, this.now() + ms);
    this.pausedAt = this.now();
    this.reason = e;
  }
}
