/** Where a throttled warning goes (pino's logger fits). */
export interface WarningLog {
  warn(obj: object, msg: string): void;
}

/**
 * A warning logged at most once per interval: while a shared service (Redis) is down, every
 * request would otherwise log the same line.
 */
export function throttledWarning(
  log: WarningLog,
  message: string,
  intervalMs = 60_000,
): (error: unknown) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (error) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    log.warn({ err: { message: (error as Error).message } }, message);
  };
}
