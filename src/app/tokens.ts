import { createSigner, createVerifier } from 'fast-jwt';

/** Who is calling: from a verified token whose user exists. */
export interface AuthUser {
  id: string;
  email: string;
}

/** A token that verified: whose it is, and the user's token version it was issued under. */
export interface VerifiedToken extends AuthUser {
  version: number;
  /** When the token expires (its `exp`), in milliseconds since the epoch. */
  expiresAt: number;
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
      return { id: p.userId, email: p.email, version, expiresAt: p.exp * 1000 };
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
