import { createSigner, createVerifier } from 'fast-jwt';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppDatabase } from '../../db/database.js';
import { unauthorized } from '../http-error.js';
import type { SharedRedis } from '../shared-redis.js';

/** Who is calling: from a verified token whose user exists. */
export interface AuthUser {
  id: string;
  email: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    tokens: Tokens;
    tokenVersions: TokenVersions;
    /** onRequest hook for the API's routes; routes with `config: { public: true }` skip it. */
    authenticate: (request: FastifyRequest) => Promise<void>;
  }
  interface FastifyRequest {
    user: AuthUser;
  }
  interface FastifyContextConfig {
    public?: boolean;
  }
}

/** A token that verified: whose it is, and the user's token version it was issued under. */
export interface VerifiedToken extends AuthUser {
  version: number;
}

/**
 * HS256 JWTs carrying `{userId, email, ver, exp}` (`ver`: the user's token version; tokens
 * without it count as version 0). Verification fixes the algorithm (a token signed with `none` or
 * any other algorithm is refused) and requires `exp`.
 */
export class Tokens {
  private readonly signer: (payload: { userId: string; email: string; ver: number }) => string;
  private readonly verifier: (token: string) => Record<string, unknown>;

  constructor(secret: string, expiresMinutes: number) {
    this.signer = createSigner({
      key: secret,
      algorithm: 'HS256',
      expiresIn: expiresMinutes * 60_000,
      noTimestamp: true,
    });
    this.verifier = createVerifier({
      key: secret,
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      cache: 10_000,
      errorCacheTTL: 0,
    }) as (token: string) => Record<string, unknown>;
  }

  sign(user: AuthUser, version = 0): string {
    return this.signer({ userId: user.id, email: user.email, ver: version });
  }

  /** The caller, or undefined for any token that is not valid. */
  verify(token: string): VerifiedToken | undefined {
    try {
      const p = this.verifier(token);
      if (typeof p.userId !== 'string' || typeof p.email !== 'string' || typeof p.exp !== 'number') {
        return undefined;
      }
      if (p.userId.length === 0 || p.userId.length > 64) return undefined;
      const version = p.ver ?? 0;
      if (typeof version !== 'number' || !Number.isSafeInteger(version)) return undefined;
      return { id: p.userId, email: p.email, version };
    } catch {
      return undefined;
    }
  }
}

/** The token in `Authorization: Bearer <jwt>` (scheme case-insensitive), or a bare JWT as the original allowed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = header.trim();
  const m = /^bearer\s+(\S+)$/i.exec(value);
  if (m) return m[1];
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(value) ? value : undefined;
}

/**
 * Which token version each user's tokens must carry (`users.token_version`, raised by a password
 * change), remembered for a minute so that a valid token costs no query per request. A password
 * change makes every server process forget the user at once (broadcast over Redis when several
 * share one); were a broadcast lost, the entry still expires within the minute.
 */
export class TokenVersions {
  private readonly seen = new Map<string, { version: number; until: number }>();
  constructor(
    private readonly database: AppDatabase,
    private readonly redis?: SharedRedis,
    private readonly log?: FastifyBaseLogger,
    private readonly ttlMs = 60_000,
  ) {}

  /** Subscribes to the other processes' revocations. */
  async listen(): Promise<void> {
    await this.redis?.subscribe(this.redis.key(REVOKED_CHANNEL), (userId) => this.seen.delete(userId));
  }

  /** After a user's version was raised: every process reads it again before accepting a token. */
  async revoked(userId: string): Promise<void> {
    this.seen.delete(userId);
    try {
      await this.redis?.publish(this.redis.key(REVOKED_CHANNEL), userId);
    } catch (e) {
      this.log?.error(
        { err: e, userId },
        'broadcasting a token revocation failed; other processes see it within a minute',
      );
    }
  }

  /** Whether the token's user exists and the token was issued under their current version. */
  async accepts(token: VerifiedToken): Promise<boolean> {
    return (await this.current(token.id)) === token.version;
  }

  /** The user's token version, or undefined when there is no such user. */
  async current(userId: string): Promise<number | undefined> {
    const now = Date.now();
    const cached = this.seen.get(userId);
    if (cached && cached.until > now) return cached.version;
    const row = await this.database.db
      .selectFrom('users')
      .select('token_version')
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!row) {
      this.seen.delete(userId);
      return undefined;
    }
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.set(userId, { version: row.token_version, until: now + this.ttlMs });
    return row.token_version;
  }
}

const REVOKED_CHANNEL = 'token-revoked';

export interface AuthOptions {
  secret: string;
  expiresMinutes: number;
  database: AppDatabase;
}

async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const tokens = new Tokens(opts.secret, opts.expiresMinutes);
  const versions = new TokenVersions(opts.database, app.redis, app.log);
  await versions.listen();
  app.decorate('tokens', tokens);
  app.decorate('tokenVersions', versions);
  app.decorateRequest('user', null as unknown as AuthUser);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    if (request.routeOptions.config.public) return;
    const token = bearerToken(request.headers.authorization);
    if (!token) throw unauthorized('Authorization header missing or invalid.');
    const claimed = tokens.verify(token);
    // A deleted user's token, or one issued before a password change, is as invalid as a forged one.
    if (!claimed || !(await versions.accepts(claimed))) {
      throw unauthorized('Access token is invalid or expired.');
    }
    request.user = { id: claimed.id, email: claimed.email };
  });
}

export default fp(authPlugin, { name: 'auth' });
