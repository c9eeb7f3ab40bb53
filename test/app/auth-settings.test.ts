// The auth settings take effect: BCRYPT_COST, JWT_EXPIRES_MINUTES and AUTH_RATE_LIMIT_PER_MINUTE
// on the routes that check a password. Their defaults are in server.test.ts ("app config"). None of
// them depends on the database: SQLite only.
import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { newUser, startServer } from '../support/app.js';

/** The claims of a JWT, read without verifying it. */
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

describe('auth settings', () => {
  test('BCRYPT_COST: passwords are hashed at the configured cost, at signup and on a change', async () => {
    const server = await startServer('sqlite', { bcryptCost: 5 });
    try {
      const u = await newUser(server, 'cost');
      const stored = () =>
        server.database.db
          .selectFrom('users')
          .select('password_hash')
          .where('id', '=', u.id)
          .executeTakeFirstOrThrow()
          .then((r) => r.password_hash);
      assert.match(await stored(), /^\$2[aby]\$05\$/);
      const changed = await u.api.post('/api/user/change-password', {
        currentPassword: u.password,
        newPassword: 'another-password',
      });
      assert.equal(changed.status, 200, changed.text);
      assert.match(await stored(), /^\$2[aby]\$05\$/);
    } finally {
      await server.close();
    }
  });

  test('JWT_EXPIRES_MINUTES: a token expires that many minutes after it was issued, and is refused from then on', async () => {
    const server = await startServer('sqlite', { jwtExpiresMinutes: 2 });
    // Only Date is mocked (timers stay real): the clock the tokens are signed and verified by
    // stands still until the test moves it.
    const issuedAt = Date.now();
    mock.timers.enable({ apis: ['Date'], now: issuedAt });
    try {
      const u = await newUser(server, 'lifetime');
      const login = await server.client().post('/api/auth/login', { email: u.email, password: u.password });
      assert.equal(login.status, 200, login.text);
      for (const token of [u.token, login.body.token as string]) {
        assert.equal(claims(token).exp, Math.floor((issuedAt + 2 * 60_000) / 1000));
      }
      const profile = () => u.api.get('/api/user/profile');
      assert.equal((await profile()).status, 200);
      mock.timers.tick(2 * 60_000 - 2000);
      assert.equal((await profile()).status, 200, 'still valid just before its expiry');
      mock.timers.tick(3000);
      const expired = await profile();
      assert.equal(expired.status, 401, 'expired, though verified (and cached) a moment before');
      assert.equal((await server.client(login.body.token).get('/api/user/profile')).status, 401);
    } finally {
      mock.timers.reset();
      await server.close();
    }
  });

  test('AUTH_RATE_LIMIT_PER_MINUTE: changing the password and deleting the account are limited per address, each route on its own', async () => {
    // A high failed-login limit: the wrong passwords below must meet the request-rate limit only.
    const server = await startServer('sqlite', { authRateLimitPerMinute: 3, loginMaxFailures: 100 });
    try {
      const u = await newUser(server, 'rate');
      for (const [path, wrong, right] of [
        [
          '/api/user/change-password',
          { currentPassword: 'not-it', newPassword: 'another-password' },
          { currentPassword: u.password, newPassword: 'another-password' },
        ],
        ['/api/user/delete-account', { password: 'not-it' }, { password: u.password }],
      ] as const) {
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) statuses.push((await u.api.post(path, wrong)).status);
        assert.deepEqual(statuses, [400, 400, 400], path);
        // The fourth in the minute is refused before its password is checked, even the right one.
        const limited = await u.api.post(path, right);
        assert.equal(limited.status, 429, `${path}: ${limited.text}`);
        assert.match(limited.body.detail, /^Too many requests\. Try again in \d+ seconds\.$/);
        assert.ok(Number(limited.headers.get('retry-after')) > 0, path);
      }
      // Neither the change nor the deletion happened.
      const login = await server.client().post('/api/auth/login', { email: u.email, password: u.password });
      assert.equal(login.status, 200, login.text);
    } finally {
      await server.close();
    }
  });
});
