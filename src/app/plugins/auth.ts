import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppDatabase } from '../../db/database.js';
import { unauthorized } from '../http-error.js';
import { TokenVersions } from '../token-versions.js';
import { type AuthUser, bearerToken, Tokens } from '../tokens.js';

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
    /** A public route whose answer carries a credential (sign-up, login): never cached either. */
    noStore?: boolean;
    /** The body's list whose items the handler validates one by one (see rejectNulCharacters). */
    itemsCheckedApart?: string;
  }
}

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
  // What an authenticated request gets back is that user's (a profile, an export, lists, even an
  // error about their data): no browser or shared cache may keep it.
  // So is an answer that carries a token (RFC 6749 §5.1 asks the same of token responses).
  app.addHook('onSend', async (request, reply) => {
    if (request.user || request.routeOptions.config.noStore) reply.header('cache-control', 'no-store');
  });
}

export default fp(authPlugin, { name: 'auth' });
