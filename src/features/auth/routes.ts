import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../app/common-schemas.js';
import { MemoryFailureCounter } from './failure-counter.js';
import { LoginGuard } from './login-guard.js';
import { Passwords } from './passwords.js';
import { RedisFailureCounter } from './redis-failure-counter.js';
import {
  ChangePasswordBody,
  DeleteAccountBody,
  DeleteAccountReply,
  LoginBody,
  LoginReply,
  Profile,
  ProfileUpdateBody,
  SignupBody,
  SignupReply,
} from './schemas.js';
import { AuthService, refuseEmailChange } from './service.js';

export interface AuthRoutesOptions {
  bcryptCost: number;
  loginMaxFailures: number;
  loginFailureWindowSeconds: number;
  loginMaxFailuresPerAccount: number;
  authRateLimitPerMinute: number;
}

/** `/api/auth/*` and `/api/user/*`. */
export default async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  // In Redis, keys expire by themselves; in memory, the per-account keys get a store of their own.
  const shared = app.redis ? new RedisFailureCounter(app.redis, app.log) : undefined;
  const service = new AuthService(
    app.database,
    new Passwords(opts.bcryptCost),
    app.tokens,
    app.tokenVersions,
    new LoginGuard(
      {
        maxFailures: opts.loginMaxFailures,
        windowSeconds: opts.loginFailureWindowSeconds,
        maxPerAccount: opts.loginMaxFailuresPerAccount,
      },
      shared ?? new MemoryFailureCounter(),
      shared ?? new MemoryFailureCounter(),
    ),
    app.today,
  );
  const rateLimit = { max: opts.authRateLimitPerMinute, timeWindow: 60_000 };

  r.post(
    '/auth/signup',
    {
      config: { public: true, noStore: true, rateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        description: 'E-mails are stored lower-cased. Answers with a token, so no separate login is needed.',
        security: [],
        body: SignupBody,
        response: { 200: SignupReply, ...errorResponses(409, 422, 429) },
      },
    },
    (req) => service.signup(req.body, req.ip),
  );

  r.post(
    '/auth/login',
    {
      config: { public: true, noStore: true, rateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Log in',
        description:
          'The same 401 for an unknown e-mail and a wrong password. After repeated failures from one ' +
          'address for one e-mail, 429 with `Retry-After`.',
        security: [],
        body: LoginBody,
        response: { 200: LoginReply, ...errorResponses(401, 422, 429) },
      },
    },
    (req) => service.login(req.body.email, req.body.password, req.ip),
  );

  r.get(
    '/user/profile',
    {
      schema: {
        tags: ['user'],
        summary: "The caller's profile",
        response: { 200: Profile, ...errorResponses(401) },
      },
    },
    (req) => service.profile(req.user),
  );

  r.put(
    '/user/profile',
    {
      schema: {
        tags: ['user'],
        summary: 'Change name and/or date of birth',
        description:
          'The e-mail address cannot be changed: an `email` other than the current one is a 422 on ' +
          '`email` (the current one, sent back with the rest of the profile, is ignored).',
        body: ProfileUpdateBody,
        response: { 200: Profile, ...errorResponses(401, 422) },
      },
      // Before the schema, which ignores unknown fields: `{"email": …}` alone would otherwise be
      // answered "At least one field is required", and beside a name be dropped without a word.
      preValidation: async (req) => refuseEmailChange(req.user, req.body),
    },
    (req) => service.updateProfile(req.user, req.body),
  );

  r.post(
    '/user/change-password',
    {
      config: { rateLimit },
      schema: {
        tags: ['user'],
        summary: 'Change the password',
        description:
          'Needs the current password (400 if wrong; wrong ones count as failed logins, 429 past the ' +
          'limit). Signs out every other session: tokens issued before the change stop working, and the ' +
          'reply carries a new token for this client.',
        body: ChangePasswordBody,
        response: { 200: LoginReply, ...errorResponses(400, 401, 422, 429) },
      },
    },
    (req) => service.changePassword(req.user, req.body, req.ip),
  );

  r.post(
    '/user/delete-account',
    {
      config: { rateLimit },
      schema: {
        tags: ['user'],
        summary: 'Delete the account and its data',
        description:
          'Needs the current password (400 if wrong; wrong ones count as failed logins, 429 past the ' +
          'limit). Deletes, at once and for good, the inventory, ' +
          'notifications and scan log; catalogue products the user added are deleted too unless ' +
          "another user's inventory holds them (those stay, without an owner). Every token of the " +
          'account stops working and its open notification sockets are closed (1008).',
        body: DeleteAccountBody,
        response: { 200: DeleteAccountReply, ...errorResponses(400, 401, 422, 429) },
      },
    },
    (req) => service.deleteAccount(req.user, req.body, req.ip),
  );
}
