export interface RedisBackoffOptions {
  /** A command that resolves only when Redis answers it (a PING). */
  probe: () => Promise<unknown>;
  /** Wait between the end of one probe and the next. */
  intervalMs: number;
  /** Redis answers again: what was put off (unsent messages) can go now. */
  onRecovered: () => void;
}

/**
 * Whether to ask Redis at all. A Redis that stopped answering on a connection that stays open (a
 * stalled server, a network dropping packets) fails each command only when its timeout runs out,
 * and an auth request asks it several times (its request rate, the login-failure count, the
 * revocation it publishes…): every such request would wait out several timeouts for as long as
 * the stall lasts. After a timeout, commands are refused at once — callers fall back to their
 * in-memory counts — while a probe of its own, off any request's path, asks Redis until it
 * answers; the connection becoming ready again (a reconnect) ends the back-off too. So only the
 * requests already waiting when Redis stalled pay the timeout.
 * A refused connection needs none of this: its commands fail at once by themselves.
 */
export class RedisBackoff {
  private backingOff = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: RedisBackoffOptions) {}

  /** Whether commands may be sent now; each one sent should be `settle`d. */
  get available(): boolean {
    return !this.backingOff;
  }

  /**
   * The outcome of a command: a timeout starts the back-off; an answer (or a reply error: Redis
   * answered) ends it. Errors given at once (a closed connection) change nothing.
   */
  settle(error?: unknown): void {
    if (error === undefined || error === null || isReplyError(error)) this.recovered();
    else if (isTimeout(error)) this.start();
  }

  /** The connection is (again) ready: it answered its ready check. */
  reset(): void {
    this.recovered();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private start(): void {
    this.backingOff = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.options.probe().then(
        () => {
          this.timer = undefined;
          this.recovered();
        },
        () => {
          this.timer = undefined;
          if (this.backingOff) this.schedule();
        },
      );
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private recovered(): void {
    if (!this.backingOff) return;
    this.backingOff = false;
    this.options.onRecovered();
  }
}

/** ioredis rejects a command whose `commandTimeout` ran out with exactly this message. */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}

/** An error Redis itself replied (ERR, WRONGTYPE, NOSCRIPT…): it is answering. */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/** Rejected at once in place of a command, during a back-off. */
export class RedisBackingOffError extends Error {
  constructor() {
    super('Redis stopped answering: not asked until it answers again');
  }
}
