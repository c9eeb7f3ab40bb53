import type { FastifyBaseLogger } from 'fastify';
import type { AppDatabase } from '../db/database.js';
import type { SharedRedis } from './shared-redis.js';
import type { VerifiedToken } from './tokens.js';

/**
 * Which token version each user's tokens must carry (`users.token_version`, raised by a password
 * change), remembered for a minute so that a valid token costs no query per request. A password
 * change makes every server process forget the user at once (broadcast over Redis when several
 * share one). Broadcasts can be lost only while a process's subscriber connection is down: then
 * the memory is not trusted (each request reads the version), and it is emptied when the
 * connection is back, so a revocation published during the outage is not missed either.
 */
export class TokenVersions {
  private readonly seen = new Map<string, { version: number; until: number }>();
  private readonly revokedListeners: Array<(userId: string | undefined) => void> = [];
  /**
   * Counts revocations seen by this process. A version read from the database is remembered only
   * if none arrived while the read was in flight: a read that began before a password change or
   * account deletion committed returns the old version (or the deleted user), and remembering it
   * after the revocation had cleared the entry would accept the revoked tokens for another minute.
   */
  private revocations = 0;
  constructor(
    private readonly database: AppDatabase,
    private readonly redis?: SharedRedis,
    private readonly log?: FastifyBaseLogger,
    private readonly ttlMs = 60_000,
  ) {}

  /** Subscribes to the other processes' revocations. */
  async listen(): Promise<void> {
    if (!this.redis) return;
    await this.redis.subscribe(this.redis.key(REVOKED_CHANNEL), (userId) => {
      this.revocations++;
      this.seen.delete(userId);
      this.emitRevoked(userId);
    });
    this.redis.onSubscriberReady(() => {
      this.revocations++;
      this.seen.clear();
      this.emitRevoked(undefined);
    });
  }

  /**
   * Calls `listener` whenever a user's tokens may have been revoked, in this process or another
   * one: with the user's id, or with undefined after the subscriber connection came back (a
   * revocation may have been missed, so every user is in doubt). Open sockets are checked so.
   */
  onRevoked(listener: (userId: string | undefined) => void): void {
    this.revokedListeners.push(listener);
  }

  private emitRevoked(userId: string | undefined): void {
    for (const listener of this.revokedListeners) listener(userId);
  }

  /**
   * After a user's version was raised or the user deleted: every process reads it again before
   * accepting a token, and closes the sockets opened with an old one.
   */
  async revoked(userId: string): Promise<void> {
    this.revocations++;
    this.seen.delete(userId);
    this.emitRevoked(userId);
    try {
      await this.redis?.publish(this.redis.key(REVOKED_CHANNEL), userId);
    } catch (e) {
      this.log?.error(
        { err: e, userId },
        'broadcasting a token revocation failed; sent again when Redis is back (other processes refuse the token within a minute)',
      );
    }
  }

  /** Whether the token's user exists and the token was issued under their current version. */
  async accepts(token: VerifiedToken): Promise<boolean> {
    return (await this.current(token.id, token.version)) === token.version;
  }

  /**
   * The user's token version, or undefined when there is no such user. `seenVersion`: one a
   * token carries. A token newer than what is remembered proves the memory stale — its password
   * change's broadcast never came (another instance's Redis connection was down, or this one's
   * subscription had stalled unnoticed) — so the database is asked, rather than refusing the
   * new token (and every fresh login's) for up to a minute; the user's sockets opened with an
   * older token, which the missed broadcast would have closed, are checked then too.
   */
  async current(userId: string, seenVersion?: number): Promise<number | undefined> {
    const now = Date.now();
    const cached = this.seen.get(userId);
    const trusted = this.redis?.listening ?? true;
    const stale = cached !== undefined && seenVersion !== undefined && seenVersion > cached.version;
    if (cached && cached.until > now && trusted && !stale) return cached.version;
    const revocations = this.revocations;
    const row = await this.database.db
      .selectFrom('users')
      .select('token_version')
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!row) {
      this.seen.delete(userId);
      return undefined;
    }
    if (revocations === this.revocations) {
      if (this.seen.size > 10_000) this.seen.clear();
      this.seen.set(userId, { version: row.token_version, until: now + this.ttlMs });
    }
    if (stale && row.token_version > cached.version) this.emitRevoked(userId);
    return row.token_version;
  }
}

const REVOKED_CHANNEL = 'token-revoked';
