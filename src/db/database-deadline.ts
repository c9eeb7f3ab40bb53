import type { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One deadline for a unit of database work — a request's, by default — shared by everything it
 * does there: each wait for a pooled connection and each statement gets what is left of it, not a
 * whole bound of its own. Otherwise a request that waited most of the bound for a connection (the
 * pool held by stalled requests) would then wait a whole bound again for its statement, and one
 * whose token check waited would start its own work with a fresh bound: its 503 could come after
 * twice `DB_TIMEOUT_SECONDS` or more.
 *
 * The clock starts at the unit's first ask (its first wait for a connection), so that work before
 * it that is not the database's (decoding an uploaded image) does not count. A unit made of
 * independent steps may give each step a deadline of its own (`add-mass`: each item is its own
 * transaction, and a long list must not fail for its length alone).
 */
export class DatabaseDeadline {
  private endsAt?: number;
  private ended = false;

  constructor(
    private readonly scope: AsyncLocalStorage<DatabaseDeadline>,
    private readonly ms: number,
  ) {}

  /** Runs `work` (and whatever it starts) under this deadline. */
  run<T>(work: () => T): T {
    return this.scope.run(this, work);
  }

  /**
   * The work is over (the reply has been sent): what it left running — a notification sent after
   * the reply — gets the ordinary per-wait bounds, not a deadline that has passed.
   */
  end(): void {
    this.ended = true;
  }

  /** Milliseconds left (at least 1: 0 would mean no bound); undefined once ended, or unbounded. */
  remaining(): number | undefined {
    if (this.ended || !this.ms) return undefined;
    const now = performance.now();
    this.endsAt ??= now + this.ms;
    return Math.max(1, Math.ceil(this.endsAt - now));
  }
}
