import { createSigner, createVerifier } from 'fast-jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppDatabase } from '../../db/database.js';
import { unauthorized } from '../http-error.js';

/** Who is calling: from a verified token whose user exists. */
export interface AuthUser {
  id: string;
  email: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    tokens: Tokens;
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

export interface TokenPayload {
  userId: string;
  email: string;
  exp: number;
}

/**
 * HS256 JWTs carrying `{userId, email, exp}`. Verification fixes the algorithm (a token signed
 * with `none` or any other algorithm is refused) and requires `exp`.
 */
export class Tokens {
  private readonly signer: (payload: { userId: string; email: string }) => string;
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

  sign(user: AuthUser): string {
    return this.signer({ userId: user.id, email: user.email });
  }

  /** The caller, or undefined for any token that is not valid. */
  verify(token: string): AuthUser | undefined {
    try {
      const p = this.verifier(token);
      if (typeof p.userId !== 'string' || typeof p.email !== 'string' || typeof p.exp !== 'number') {
        return undefined;
      }
      if (p.userId.length === 0 || p.userId.length > 64) return undefined;
      return { id: p.userId, email: p.email };
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

/** Remembers for a minute that a user id exists, so a valid token costs no query per request. */
class KnownUsers {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly database: AppDatabase,
    private readonly ttlMs = 60_000,
  ) {}

  async exists(id: string): Promise<boolean> {
    const now = Date.now();
    const until = this.seen.get(id);
    if (until !== undefined && until > now) return true;
    const row = await this.database.db
      .selectFrom('users')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) {
      this.seen.delete(id);
      return false;
    }
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.set(id, now + this.ttlMs);
    return true;
  }
}

export interface AuthOptions {
  secret: string;
  expiresMinutes: number;
  database: AppDatabase;
}

async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const tokens = new Tokens(opts.secret, opts.expiresMinutes);
  const users = new KnownUsers(opts.database);
  app.decorate('tokens', tokens);
  app.decorateRequest('user', null as unknown as AuthUser);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    if (request.routeOptions.config.public) return;
    const token = bearerToken(request.headers.authorization);
    if (!token) throw unauthorized('Authorization header missing or invalid.');
    const user = tokens.verify(token);
    if (!user) throw unauthorized('Access token is invalid or expired.');
    if (!(await users.exists(user.id))) throw unauthorized('Access token is invalid or expired.');
    request.user = user;
  });
}

export default fp(authPlugin, { name: 'auth' });
