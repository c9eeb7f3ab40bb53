import { normalizeIP } from '@fastify/rate-limit';
import { HttpError } from '../../app/http-error.js';
import { type FailureCounter, MemoryFailureCounter, once } from './failure-counter.js';

export interface LoginLimits {
  /** Failures per (client, e-mail) in a window. */
  maxFailures: number;
  windowSeconds: number;
  /** Per client across e-mails: a password-spraying client (default 10 × `maxFailures`). */
  maxPerAddress?: number;
  /**
   * Per account, from clients that have not signed in to it lately: a guessing attack spread over
   * many addresses, each staying under `maxFailures` (default 50; 0 = no such cap).
   */
  maxPerAccount?: number;
}

/** How long a client that signed in to an account stays exempt from that account's cap. */
const KNOWN_CLIENT_MS = 30 * 24 * 3600 * 1000;

/**
 * Counts failed logins per (client address, e-mail), per client address (IPv6: its /64), and per
 * e-mail from clients not known to it, in fixed windows (a wrong password typed to confirm a
 * password change or an account deletion is one too).
 * Past a limit, logins from there are refused with 429 before any password is checked, so the
 * limits also cap the bcrypt work an attacker can make the server do. The counts live in memory
 * (one process) or in Redis when several processes share one (RedisFailureCounter).
 *
 * The per-account cap stops a botnet that gives each address a few guesses: without it, the
 * guesses one account gets are unbounded. Its cost is that while such an attack runs, the account
 * cannot be signed in to from a new client — which an attacker can also cause on purpose, with a
 * handful of addresses. The clients (addresses, IPv6 /64s) that signed in to it within the last
 * 30 days are exempt (their success is remembered like a failure is counted), so its owner's usual
 * devices keep working, and their typos do not count towards the cap; a device on a new network is
 * a new client. Only accounts that exist are counted, and in memory their counts live apart from
 * the per-address ones (`accountCounter`), so a flood of failures for made-up e-mails from many
 * addresses cannot push them out of the bounded store: that would lift the cap, and forget the
 * owner's devices. Deployments that prefer availability set the cap to 0.
 */
export class LoginGuard {
  private readonly windowMs: number;
  private readonly maxFailures: number;
  private readonly maxPerAddress: number;
  private readonly maxPerAccount: number;

  constructor(
    limits: LoginLimits,
    private readonly counter: FailureCounter = new MemoryFailureCounter(),
    /** Where the per-account keys (its count, its known clients) live; see above. */
    private readonly accountCounter: FailureCounter = new MemoryFailureCounter(),
  ) {
    this.windowMs = limits.windowSeconds * 1000;
    this.maxFailures = limits.maxFailures;
    this.maxPerAddress = limits.maxPerAddress ?? limits.maxFailures * 10;
    this.maxPerAccount = limits.maxPerAccount ?? 50;
  }

  private keys(ip: string, rawEmail: string) {
    // IPv4 as it is, IPv6 by its /64 as the request-rate limit counts it (one IPv6 host is
    // routinely given a whole /64, and could otherwise use a new address for every guess).
    const client = normalizeIP(ip, 64);
    const email = limitKey(rawEmail);
    return {
      pair: `e|${client}|${email}`,
      address: `a|${client}`,
      account: `u|${email}`,
      known: `k|${client}|${email}`,
    };
  }

  /**
   * Throws 429 when this client, or the clients unknown to this account, failed too often (the
   * attempts under way included); else reserves this attempt's place (`FailureCounter.reserve`:
   * in Redis, one atomic step for every process, so a burst spread over several of them gets the
   * limit, not a multiple of it). `signedIn`: the caller holds the account's token (a password
   * typed to confirm a change): only its own client's limits apply. Returns the release of the
   * reservation: call it once `fail` or `succeed` has recorded the outcome, or when there is none
   * (in a `finally`).
   */
  async check(
    ip: string,
    email: string,
    options: { signedIn?: boolean } = {},
    now = Date.now(),
  ): Promise<() => void> {
    const k = this.keys(ip, email);
    const perAccount = this.maxPerAccount > 0 && !options.signedIn;
    const [known, own] = await Promise.all([
      perAccount ? this.accountCounter.read([k.known], now).then(([w]) => w !== undefined) : true,
      this.counter.reserve(
        [
          { key: k.pair, max: this.maxFailures },
          { key: k.address, max: this.maxPerAddress },
        ],
        now,
      ),
    ]);
    if (!('release' in own)) throw tooMany(own.refusedUntil, now);
    if (known) return own.release;
    const account = await this.accountCounter.reserve([{ key: k.account, max: this.maxPerAccount }], now);
    if (!('release' in account)) {
      own.release();
      throw tooMany(account.refusedUntil, now);
    }
    return once(() => {
      own.release();
      account.release();
    });
  }

  /** A failed attempt; `accountExists`: the e-mail is an account's (only those are capped). */
  async fail(ip: string, email: string, accountExists: boolean, now = Date.now()): Promise<void> {
    const k = this.keys(ip, email);
    await this.counter.add([k.pair, k.address], this.windowMs, now);
    if (!accountExists || !this.maxPerAccount) return;
    const [known] = await this.accountCounter.read([k.known], now);
    if (!known) await this.accountCounter.add([k.account], this.windowMs, now);
  }

  async succeed(ip: string, email: string, now = Date.now()): Promise<void> {
    const k = this.keys(ip, email);
    await this.counter.clear(k.pair);
    if (!this.maxPerAccount) return;
    // Opens (or renews) the known-client window; a count of successes nobody reads as such.
    await this.accountCounter.clear(k.known);
    await this.accountCounter.add([k.known], KNOWN_CLIENT_MS, now);
  }
}

/**
 * The 429 of a limit reached: its window's end; for attempts still under way, about when bcrypt will
 * have answered.
 */
function tooMany(until: number | undefined, now: number): HttpError {
  const retry = until === undefined ? 1 : Math.max(1, Math.ceil((until - now) / 1000));
  return new HttpError(429, `Too many failed login attempts. Try again in ${retry} seconds.`, {
    'retry-after': String(retry),
  });
}

/**
 * The e-mail as the counts key it: without accents and case. Addresses are compared exactly (stored
 * lower-cased; users.email is utf8mb4_bin on MariaDB since b4f72e2331ec, whose default collation
 * found `victim@x.io`'s account for `víctim@x.io`), so two such e-mails are two accounts, which
 * then share their counts: stricter, not looser — and a database still below that revision gets no
 * fresh set of guesses for each spelling.
 */
function limitKey(email: string): string {
  return email.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}
