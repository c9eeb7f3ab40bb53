import { HttpError } from '../../app/http-error.js';

interface Window {
  failures: number;
  resetAt: number;
}

/**
 * Counts failed logins per (client address, e-mail) and per client address, in fixed windows.
 * Past the limit, logins from there are refused with 429 before any password is checked, so the
 * limit also caps the bcrypt work an attacker can make the server do. In memory: one process.
 */
export class LoginGuard {
  private readonly windows = new Map<string, Window>();
  private static readonly MAX_KEYS = 50_000;

  constructor(
    private readonly maxFailures: number,
    private readonly windowSeconds: number,
    /** Per address, across e-mails: a password-spraying client. */
    private readonly maxPerAddress = maxFailures * 10,
  ) {}

  private keys(ip: string, email: string): [string, number][] {
    return [
      [`e|${ip}|${email}`, this.maxFailures],
      [`a|${ip}`, this.maxPerAddress],
    ];
  }

  /** Throws 429 when this client has failed too often. */
  check(ip: string, email: string, now = Date.now()): void {
    for (const [key, max] of this.keys(ip, email)) {
      const w = this.windows.get(key);
      if (!w) continue;
      if (w.resetAt <= now) {
        this.windows.delete(key);
        continue;
      }
      if (w.failures >= max) {
        const retry = Math.max(1, Math.ceil((w.resetAt - now) / 1000));
        throw new HttpError(429, `Too many failed login attempts. Try again in ${retry} seconds.`, {
          'retry-after': String(retry),
        });
      }
    }
  }

  fail(ip: string, email: string, now = Date.now()): void {
    if (this.windows.size >= LoginGuard.MAX_KEYS) this.prune(now);
    for (const [key] of this.keys(ip, email)) {
      const w = this.windows.get(key);
      if (!w || w.resetAt <= now) {
        this.windows.set(key, { failures: 1, resetAt: now + this.windowSeconds * 1000 });
      } else {
        w.failures++;
      }
    }
  }

  succeed(ip: string, email: string): void {
    this.windows.delete(`e|${ip}|${email}`);
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    // Still full: drop the oldest entries (Map keeps insertion order).
    for (const k of this.windows.keys()) {
      if (this.windows.size < LoginGuard.MAX_KEYS * 0.9) break;
      this.windows.delete(k);
    }
  }
}
