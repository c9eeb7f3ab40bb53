/** Failures counted under one key in a fixed window that opens with the first failure. */
export interface FailureWindow {
  failures: number;
  resetAt: number;
}

/** A cap on one key: reached once its failures and the attempts under way add up to `max`. */
export interface KeyLimit {
  key: string;
  max: number;
}

/** An attempt's place under its keys, or why there is none. */
export type Reservation =
  | { release: () => void }
  | {
      /** When the key at its cap opens again; undefined when only attempts under way fill it. */
      refusedUntil: number | undefined;
    };

/** Where failed logins are counted: in memory (one process) or in Redis (shared by all). */
export interface FailureCounter {
  /** The open window of each key (undefined where there is none). */
  read(keys: readonly string[], now: number): Promise<(FailureWindow | undefined)[]>;
  /** One more failure under each key. */
  add(keys: readonly string[], windowMs: number, now: number): Promise<void>;
  clear(key: string): Promise<void>;
  /**
   * Takes a place for one attempt under way under each key, unless a key's failures plus the
   * attempts already under way reach its max: all or none. A failure is counted only once bcrypt
   * has answered, so without these places a burst of parallel guesses all passed the check; an
   * attempt under way counts as a failure until `release`, called once its outcome is recorded.
   */
  reserve(limits: readonly KeyLimit[], now: number): Promise<Reservation>;
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

  /** Attempts under way, per key (none is ever left behind: each place is released once). */
  private readonly pending = new Map<string, number>();

  async reserve(limits: readonly KeyLimit[], now: number): Promise<Reservation> {
    const windows = await this.read(
      limits.map((l) => l.key),
      now,
    );
    for (const [i, { key, max }] of limits.entries()) {
      const failures = windows[i]?.failures ?? 0;
      // Full of failures: until the window ends; full only with attempts under way: they are
      // answered within a second.
      if (failures >= max) return { refusedUntil: windows[i]!.resetAt };
      if (failures + (this.pending.get(key) ?? 0) >= max) return { refusedUntil: undefined };
    }
    for (const { key } of limits) this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    return {
      release: once(() => {
        for (const { key } of limits) {
          const n = (this.pending.get(key) ?? 1) - 1;
          if (n > 0) this.pending.set(key, n);
          else this.pending.delete(key);
        }
      }),
    };
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

/** `f`, run on the first call only. */
export function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    f();
  };
}
