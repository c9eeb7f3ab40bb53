import { normalizeIP } from '@fastify/rate-limit';
import { HttpError } from '../../app/http-error.js';
import { type FailureCounter, MemoryFailureCounter } from './failure-counter.js';

/**
 * Counts failed logins per (client address, e-mail) and per client address (IPv6: its /64), in
 * fixed windows (a wrong password typed to confirm a password change or an account deletion is
 * one too).
 * Past the limit, logins from there are refused with 429 before any password is checked, so the
 * limit also caps the bcrypt work an attacker can make the server do. The counts live in memory
 * (one process) or in Redis when several processes share one (RedisFailureCounter).
 */
export class LoginGuard {
  constructor(
    private readonly maxFailures: number,
    private readonly windowSeconds: number,
    private readonly counter: FailureCounter = new MemoryFailureCounter(),
    /** Per address, across e-mails: a password-spraying client. */
    private readonly maxPerAddress = maxFailures * 10,
  ) {}

  private keys(ip: string, email: string): [string, number][] {
    // IPv4 as it is, IPv6 by its /64 as the request-rate limit counts it (one IPv6 host is
    // routinely given a whole /64, and could otherwise use a new address for every guess).
    const client = normalizeIP(ip, 64);
    return [
      [`e|${client}|${email}`, this.maxFailures],
      [`a|${client}`, this.maxPerAddress],
    ];
  }

  /** Throws 429 when this client has failed too often. */
  async check(ip: string, email: string, now = Date.now()): Promise<void> {
    const keys = this.keys(ip, email);
    const windows = await this.counter.read(
      keys.map(([k]) => k),
      now,
    );
    for (const [i, [, max]] of keys.entries()) {
      const w = windows[i];
      if (w && w.failures >= max) {
        const retry = Math.max(1, Math.ceil((w.resetAt - now) / 1000));
        throw new HttpError(429, `Too many failed login attempts. Try again in ${retry} seconds.`, {
          'retry-after': String(retry),
        });
      }
    }
  }

  async fail(ip: string, email: string, now = Date.now()): Promise<void> {
    await this.counter.add(
      this.keys(ip, email).map(([k]) => k),
      this.windowSeconds * 1000,
      now,
    );
  }

  async succeed(ip: string, email: string): Promise<void> {
    await this.counter.clear(this.keys(ip, email)[0]![0]);
  }
}
