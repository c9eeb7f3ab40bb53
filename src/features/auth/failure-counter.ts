/** Failures counted under one key in a fixed window that opens with the first failure. */
export interface FailureWindow {
  failures: number;
  resetAt: number;
}

/** Where failed logins are counted: in memory (one process) or in Redis (shared by all). */
export interface FailureCounter {
  /** The open window of each key (undefined where there is none). */
  read(keys: readonly string[], now: number): Promise<(FailureWindow | undefined)[]>;
  /** One more failure under each key. */
  add(keys: readonly string[], windowMs: number, now: number): Promise<void>;
  clear(key: string): Promise<void>;
}

/** One process's counters, bounded in size. */
export class MemoryFailureCounter implements FailureCounter {
  private readonly windows = new Map<string, FailureWindow>();

  constructor(private readonly maxKeys = 50_000) {}

  async read(keys: readonly string[], now: number): Promise<(FailureWindow | undefined)[]> {
    return keys.map((key) => {
      const w = this.windows.get(key);
      if (w && w.resetAt <= now) {
        this.windows.delete(key);
        return undefined;
      }
      return w;
    });
  }

  async add(keys: readonly string[], windowMs: number, now: number): Promise<void> {
    if (this.windows.size >= this.maxKeys) this.prune(now);
    for (const key of keys) {
      const w = this.windows.get(key);
      if (!w || w.resetAt <= now) this.windows.set(key, { failures: 1, resetAt: now + windowMs });
      else w.failures++;
    }
  }

  async clear(key: string): Promise<void> {
    this.windows.delete(key);
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    // Still full: drop the oldest entries (Map keeps insertion order).
    for (const k of this.windows.keys()) {
      if (this.windows.size < this.maxKeys * 0.9) break;
      this.windows.delete(k);
    }
  }
}
