import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadAppConfig } from '../../src/config/app-config.js';
import { newUser, startServer, TEST_SECRET, type TestServer } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';
import { forgeToken, inOneHour } from '../support/tokens.js';

/** A bcrypt hash as the original stored them ($2b$, cost 12) of 'original-pass'. */
const ORIGINAL_HASH = '$2b$12$1fTVkOEGttSLat9x4uptye//q2v4i4BtqifyTMSWBJJijq7IUPu2.';

for (const dialect of DIALECTS) {
  describe(`auth routes on ${dialect}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(dialect, { loginMaxFailures: 3 });
    });
    after(() => server.close());

    test('signup: account, lower-cased e-mail, a working token; the original fields kept', async () => {
      const api = server.client();
      const res = await api.post('/api/auth/signup', {
        name: 'Alice',
        email: `Alice.${dialect}@Example.com`,
        password: 'secret1',
        dob: '2000-01-01',
        extra: 'ignored',
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.message, 'User created successfully');
      assert.match(res.body.userId, /^[0-9a-f-]{36}$/);
      assert.equal(res.body.email, `alice.${dialect}@example.com`);
      assert.equal(res.body.dob, '2000-01-01');
      assert.match(res.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(res.body.createdAt, res.body.created_at);
      const profile = await server.client(res.body.token).get('/api/user/profile');
      assert.equal(profile.status, 200);
      assert.deepEqual(profile.body, {
        id: res.body.userId,
        name: 'Alice',
        dob: '2000-01-01',
        email: `alice.${dialect}@example.com`,
        createdAt: res.body.createdAt,
        updatedAt: null,
      });
      const stored = await server.database.db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', res.body.userId)
        .executeTakeFirstOrThrow();
      assert.match(stored.password_hash, /^\$2[aby]\$04\$/);

      const again = await api.post('/api/auth/signup', {
        name: 'A',
        email: `ALICE.${dialect}@example.COM`,
        password: 'secret2',
      });
      assert.equal(again.status, 409);
      assert.deepEqual(again.body, { detail: 'User already exists' });
    });

    test('e-mails that differ only by accents or by emoji are two accounts, each signed in to with its own password', async () => {
      const api = server.client();
      const pairs = [
        [`jose.${dialect}@example.com`, `josé.${dialect}@example.com`],
        [`😀.${dialect}@example.com`, `😎.${dialect}@example.com`],
      ];
      for (const [plain, other] of pairs as [string, string][]) {
        for (const [email, password] of [
          [plain, 'plain-password'],
          [other, 'other-password'],
        ]) {
          const res = await api.post('/api/auth/signup', { name: 'J', email, password });
          assert.equal(res.status, 200, `${email}: ${res.text}`);
        }
        assert.equal(
          (await api.post('/api/auth/login', { email: other, password: 'plain-password' })).status,
          401,
        );
        const own = await api.post('/api/auth/login', { email: other, password: 'other-password' });
        assert.equal(own.status, 200, own.text);
        assert.equal((await server.client(own.body.token).get('/api/user/profile')).body.email, other);
      }
    });

    test('signup: invalid input is a 422 naming the field', async () => {
      const api = server.client();
      const cases: [unknown, string | number, RegExp][] = [
        [{ name: 'x', email: 'not-an-email', password: 'secret1' }, 'email', /valid email/],
        [{ name: 'x', email: 123, password: 'secret1' }, 'email', /valid string/],
        [{ name: 'x', email: 'a@b.co' }, 'password', /^Field required$/],
        [{ name: 'x', password: 'secret1' }, 'email', /^Field required$/],
        [{ name: 'x', email: 'a@b.co', password: '12345' }, 'password', /at least 6/],
        [{ name: 'x', email: 'a@b.co', password: 1234567 }, 'password', /valid string/],
        [{ name: 'x', email: 'a@b.co', password: 'é'.repeat(40) }, 'password', /72 bytes/],
        [{ name: 'x', email: 'a@b.co', password: 'a'.repeat(80) }, 'password', /at most 72/],
        [{ name: 'x', email: 'a@b.co', password: 'secret1', dob: 'yesterday' }, 'dob', /valid date/],
        [{ name: 'x', email: 'a@b.co', password: 'secret1', dob: '2000-02-30' }, 'dob', /valid date/],
        [{ name: 'x', email: 'a@b.co', password: 'secret1', dob: '2999-01-01' }, 'dob', /today/],
        [[1, 2], 'body', /dictionary/],
      ];
      for (const [body, field, message] of cases) {
        const res = await api.post('/api/auth/signup', body);
        assert.equal(res.status, 422, `${JSON.stringify(body)} → ${res.text}`);
        const e = res.body.errors.find((x: { field: unknown }) => x.field === field);
        assert.ok(e, `${JSON.stringify(body)} → ${res.text}`);
        assert.match(e.message, message);
      }
      const blank = await api.post('/api/auth/signup', {
        name: 'x',
        email: 'blank-dob@b.co',
        password: 'secret1',
        dob: '',
      });
      assert.equal(blank.status, 200, `an empty date field is no date: ${blank.text}`);
      assert.equal(blank.body.dob, null);
      const malformed = await api.post('/api/auth/signup', '{"name":');
      assert.equal(malformed.status, 422);
      assert.deepEqual(malformed.body, { errors: [{ field: 8, message: 'JSON decode error' }] });
      const none = await api.send('POST', '/api/auth/signup');
      assert.equal(none.status, 422);
      assert.deepEqual(none.body, { errors: [{ field: 'body', message: 'Field required' }] });
      const empty = await api.post('/api/auth/signup', '', { 'content-type': 'application/json' });
      assert.equal(empty.status, 422);
      const proto = await api.post(
        '/api/auth/signup',
        '{"__proto__":{"x":1},"email":"a@b.co","password":"secret1"}',
      );
      assert.equal(proto.status, 422);
      const form = await api.post('/api/auth/login', 'email=a&password=b', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      assert.equal(form.status, 415);
      assert.ok(typeof form.body.detail === 'string');
    });

    test('internationalised e-mail addresses, which the original accepted, sign up and log in', async () => {
      const api = server.client();
      for (const email of ['ñandú@例え.テスト', 'Ünïcödé.User@Example.COM']) {
        const up = await api.post('/api/auth/signup', { name: 'I', email, password: 'secret1' });
        assert.equal(up.status, 200, `${email}: ${up.text}`);
        const login = await api.post('/api/auth/login', { email, password: 'secret1' });
        assert.equal(login.status, 200, `${email}: ${login.text}`);
      }
      // Still not addresses: no domain, a bare host, an IP, spaces, an invisible character.
      for (const email of ['x@', 'a@localhost', 'a@1.2.3.4', 'a b@c.de', 'a\u200b@c.de', 'a..b@c.de']) {
        const res = await api.post('/api/auth/signup', { name: 'I', email, password: 'secret1' });
        assert.equal(res.status, 422, `${email}: ${res.text}`);
        assert.equal(res.body.errors[0].field, 'email');
      }
    });

    test('login: case-insensitive e-mail; one answer for unknown e-mail and wrong password', async () => {
      const u = await newUser(server, 'login');
      const api = server.client();
      const ok = await api.post('/api/auth/login', { email: u.email.toUpperCase(), password: u.password });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.message, 'Login successful');
      const [h, p] = ok.body.token.split('.');
      assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
      // The original's claims, plus the token version (0 until the first password change).
      assert.deepEqual(Object.keys(payload).sort(), ['email', 'exp', 'userId', 'ver']);
      assert.equal(payload.userId, u.id);
      assert.equal(payload.ver, 0);
      const wrong = await api.post('/api/auth/login', { email: u.email, password: 'not-the-password' });
      const unknown = await api.post('/api/auth/login', { email: `nobody.${u.email}`, password: 'whatever' });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.deepEqual(wrong.body, unknown.body);
      assert.deepEqual(wrong.body, { detail: 'Invalid email or password' });
      const missing = await api.post('/api/auth/login', {});
      assert.equal(missing.status, 422);
      assert.deepEqual(missing.body.errors.map((e: { field: string }) => e.field).sort(), [
        'email',
        'password',
      ]);
      const emptyPassword = await api.post('/api/auth/login', { email: u.email, password: '' });
      assert.equal(emptyPassword.status, 422);
    });

    test('login: hashes made by the original ($2b$, cost 12) still verify', async () => {
      const email = `legacy.${dialect}@example.com`;
      await server.database.db
        .insertInto('users')
        .values({
          id: '9b1f3c4e-0000-4000-8000-000000000001',
          email,
          password_hash: ORIGINAL_HASH,
          name: 'Legacy',
          created_at: new Date(),
        })
        .execute();
      const res = await server.client().post('/api/auth/login', { email, password: 'original-pass' });
      assert.equal(res.status, 200, res.text);
    });

    test('login: repeated failures are rate-limited, even with the right password', async () => {
      const u = await newUser(server, 'limited');
      const api = server.client();
      for (let i = 0; i < 3; i++) {
        const r = await api.post('/api/auth/login', { email: u.email, password: 'wrong-password' });
        assert.equal(r.status, 401);
      }
      const blocked = await api.post('/api/auth/login', { email: u.email, password: u.password });
      assert.equal(blocked.status, 429);
      assert.match(blocked.body.detail, /Too many failed login attempts/);
      assert.ok(Number(blocked.headers.get('retry-after')) > 0);
      // Another account from the same address is not locked by these failures.
      const other = await newUser(server, 'unlocked');
      const fine = await api.post('/api/auth/login', { email: other.email, password: other.password });
      assert.equal(fine.status, 200);
    });

    test('tokens: missing, malformed, forged, expired, other algorithms are 401; never 500', async () => {
      const u = await newUser(server, 'tok');
      const get = (authorization?: string) =>
        server.client().get('/api/user/profile', authorization === undefined ? {} : { authorization });
      const now = Math.floor(Date.now() / 1000);
      const good = { userId: u.id, email: u.email, exp: inOneHour() };
      const cases: [string, string | undefined][] = [
        ['no header', undefined],
        ['empty header', ''],
        ['Bearer only', 'Bearer '],
        ['garbage', 'Bearer garbage'],
        ['three garbage parts', 'Bearer a.b.c'],
        ['wrong secret', `Bearer ${forgeToken(good, { secret: 'another-secret-another-secret-xx' })}`],
        ['expired', `Bearer ${forgeToken({ ...good, exp: now - 10 }, { secret: TEST_SECRET })}`],
        ['no exp', `Bearer ${forgeToken({ userId: u.id, email: u.email }, { secret: TEST_SECRET })}`],
        ['alg none', `Bearer ${forgeToken(good, { alg: 'none' })}`],
        ['HS512', `Bearer ${forgeToken(good, { alg: 'HS512', secret: TEST_SECRET })}`],
        ['HS384', `Bearer ${forgeToken(good, { alg: 'HS384', secret: TEST_SECRET })}`],
        ['no userId', `Bearer ${forgeToken({ email: u.email, exp: inOneHour() }, { secret: TEST_SECRET })}`],
        ['numeric userId', `Bearer ${forgeToken({ ...good, userId: 42 }, { secret: TEST_SECRET })}`],
        [
          'user that does not exist',
          `Bearer ${forgeToken({ ...good, userId: '00000000-0000-4000-8000-000000000000' }, { secret: TEST_SECRET })}`,
        ],
        ['Basic auth', 'Basic dXNlcjpwYXNz'],
      ];
      for (const [what, header] of cases) {
        const res = await get(header);
        assert.equal(res.status, 401, `${what}: ${res.status} ${res.text}`);
        assert.equal(typeof res.body.detail, 'string', what);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer', what);
      }
      assert.equal((await get(`Bearer ${forgeToken(good, { secret: TEST_SECRET })}`)).status, 200);
      assert.equal((await get(`bearer ${u.token}`)).status, 200);
      assert.equal((await get(u.token)).status, 200, 'a bare token, as the original accepted');
    });

    test('answers to authenticated requests carry Cache-Control: no-store (they had none)', async () => {
      const u = await newUser(server, 'cache');
      for (const path of [
        '/api/user/profile',
        '/api/user/export',
        '/api/product/user/list',
        '/api/notification/list',
      ]) {
        const res = await u.api.get(path);
        assert.equal(res.status, 200, `${path}: ${res.text}`);
        assert.equal(res.headers.get('cache-control'), 'no-store', path);
      }
      // Errors about the caller's data too.
      const missing = await u.api.post('/api/notification/mark-read/no-such-id');
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('cache-control'), 'no-store');
      const bad = await u.api.put('/api/user/profile', { name: 'x'.repeat(101) });
      assert.equal(bad.status, 422);
      assert.equal(bad.headers.get('cache-control'), 'no-store');
      // Nor may an answer that carries a token be kept.
      const login = await server.client().post('/api/auth/login', { email: u.email, password: u.password });
      assert.equal(login.status, 200, login.text);
      assert.equal(login.headers.get('cache-control'), 'no-store');
      const signup = await server.client().post('/api/auth/signup', {
        name: 'C',
        email: 'cache-signup@example.com',
        password: 'secret1',
      });
      assert.equal(signup.headers.get('cache-control'), 'no-store');
      // A public answer is not the caller's; nor is the refusal of a request without a valid token.
      assert.equal((await u.api.get('/api/status')).headers.get('cache-control'), null);
      assert.equal((await server.client().get('/api/user/profile')).headers.get('cache-control'), null);
    });

    test('profile: update name and date of birth; bad input is 422', async () => {
      const u = await newUser(server, 'profile');
      const res = await u.api.put('/api/user/profile', { name: ' Bob ', dob: '1990-05-06' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.name, 'Bob');
      assert.equal(res.body.dob, '1990-05-06');
      assert.match(res.body.updatedAt, /Z$/);
      const cleared = await u.api.put('/api/user/profile', { dob: null });
      assert.equal(cleared.body.dob, null);
      assert.equal(cleared.body.name, 'Bob');
      assert.equal((await u.api.put('/api/user/profile', {})).status, 422);
      // Only a field that cannot be changed here: not "a change of nothing" but the same 422.
      const password = await u.api.put('/api/user/profile', { password: 'hacked123' });
      assert.equal(password.status, 422, password.text);
      assert.deepEqual(password.body, {
        errors: [{ field: 'body', message: 'At least one field is required' }],
      });
      // Another e-mail says that the e-mail cannot change (it said "At least one field is
      // required"), alone or beside a name, which is then not changed either.
      for (const body of [
        { email: 'other@example.com' },
        { name: 'Eve', email: 'other@example.com' },
        { email: 7 },
      ]) {
        const res = await u.api.put('/api/user/profile', body);
        assert.equal(res.status, 422, res.text);
        assert.deepEqual(res.body, {
          errors: [{ field: 'email', message: 'The e-mail address cannot be changed' }],
        });
      }
      assert.equal(
        (await u.api.get('/api/user/profile')).body.updatedAt,
        cleared.body.updatedAt,
        'unchanged',
      );
      // The current e-mail, sent back with the profile, is no change of it.
      const same = await u.api.put('/api/user/profile', { name: 'Bob', email: ` ${u.email.toUpperCase()} ` });
      assert.equal(same.status, 200, same.text);
      assert.equal(same.body.email, u.email);
      assert.deepEqual((await u.api.put('/api/user/profile', { email: u.email })).body, {
        errors: [{ field: 'body', message: 'At least one field is required' }],
      });
      // An empty date field is no date, as null is.
      await u.api.put('/api/user/profile', { dob: '1990-05-06' });
      const blank = await u.api.put('/api/user/profile', { dob: '' });
      assert.equal(blank.status, 200, blank.text);
      assert.equal(blank.body.dob, null);
      assert.equal((await u.api.put('/api/user/profile', { dob: '06/05/1990' })).status, 422);
      assert.equal((await u.api.put('/api/user/profile', { name: 'x'.repeat(101) })).status, 422);
      assert.equal((await server.client().put('/api/user/profile', { name: 'x' })).status, 401);
    });

    test('change password: needs the current one; the old one and every earlier token stop working', async () => {
      const u = await newUser(server, 'pw');
      const login = await server.client().post('/api/auth/login', { email: u.email, password: u.password });
      const otherSession = server.client(login.body.token);
      assert.equal((await otherSession.get('/api/user/profile')).status, 200);
      const wrong = await u.api.post('/api/user/change-password', {
        currentPassword: 'not-it',
        newPassword: 'brand-new-pass',
      });
      assert.equal(wrong.status, 400);
      assert.deepEqual(wrong.body, { detail: 'Current password is incorrect' });
      const short = await u.api.post('/api/user/change-password', {
        currentPassword: u.password,
        newPassword: 'abc',
      });
      assert.equal(short.status, 422);
      const same = await u.api.post('/api/user/change-password', {
        currentPassword: u.password,
        newPassword: u.password,
      });
      assert.equal(same.status, 422, same.text);
      assert.deepEqual(same.body.errors, [
        { field: 'newPassword', message: 'New password must differ from the current password' },
      ]);
      assert.equal(
        (await otherSession.get('/api/user/profile')).status,
        200,
        'nothing changed: still signed in',
      );
      const ok = await u.api.post('/api/user/change-password', {
        currentPassword: u.password,
        newPassword: 'brand-new-pass',
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.message, 'Password changed successfully');
      // Tokens issued before the change are revoked, in this session and the other one.
      for (const before of [u.api, otherSession]) {
        const res = await before.get('/api/user/profile');
        assert.equal(res.status, 401);
        assert.deepEqual(res.body, { detail: 'Access token is invalid or expired.' });
      }
      // The reply's token keeps this client signed in; a new login works too.
      assert.equal((await server.client(ok.body.token).get('/api/user/profile')).status, 200);
      const api = server.client();
      assert.equal((await api.post('/api/auth/login', { email: u.email, password: u.password })).status, 401);
      const relogin = await api.post('/api/auth/login', { email: u.email, password: 'brand-new-pass' });
      assert.equal(relogin.status, 200);
      assert.equal((await server.client(relogin.body.token).get('/api/user/profile')).status, 200);
      // The revoked token cannot change the password again either.
      const stale = await u.api.post('/api/user/change-password', {
        currentPassword: 'brand-new-pass',
        newPassword: 'another-pass',
      });
      assert.equal(stale.status, 401);
    });

    test('change password, delete account: a wrong password counts as a failed login, so a stolen token cannot guess it', async () => {
      const u = await newUser(server, 'guessed');
      const change = (currentPassword: string) =>
        u.api.post('/api/user/change-password', { currentPassword, newPassword: 'taken-over' });
      assert.equal((await change('guess-1')).status, 400);
      assert.equal((await u.api.post('/api/user/delete-account', { password: 'guess-2' })).status, 400);
      assert.equal((await change('guess-3')).status, 400);
      // The limit (3 here) is reached: refused before the password is checked, even the right one.
      const blocked = await change(u.password);
      assert.equal(blocked.status, 429, blocked.text);
      assert.ok(Number(blocked.headers.get('retry-after')) > 0);
      assert.equal((await u.api.post('/api/user/delete-account', { password: u.password })).status, 429);
      // They are this address's failed logins for that e-mail, as if made at the login form.
      const login = await server.client().post('/api/auth/login', { email: u.email, password: u.password });
      assert.equal(login.status, 429);
      // Nothing changed: the account, its password and its token are as they were.
      assert.equal((await u.api.get('/api/user/profile')).status, 200);
      // Another account's confirmations from this address are not blocked.
      const other = await newUser(server, 'confirms');
      const ok = await other.api.post('/api/user/change-password', {
        currentPassword: other.password,
        newPassword: 'changed-fine',
      });
      assert.equal(ok.status, 200, ok.text);
    });

    test("delete account: needs the password; takes the user's data and unshared products, leaves shared ones ownerless and other users untouched", async () => {
      const leaver = await newUser(server, 'leaver');
      const stayer = await newUser(server, 'stayer');
      const db = server.database.db;
      const login = await server
        .client()
        .post('/api/auth/login', { email: leaver.email, password: leaver.password });
      const otherSession = server.client(login.body.token);
      const addProduct = async (productName: string) => {
        const r = await leaver.api.post('/api/product/inventory/add', {
          productName,
          category: 'Dairy',
          nutrition: { protein: 3 },
        });
        assert.equal(r.status, 200, r.text);
        return r.body.productId as string;
      };
      const shared = await addProduct(`Shared cheese ${dialect}`);
      const own = await addProduct(`Own cheese ${dialect}`);
      for (const api of [leaver.api, stayer.api]) {
        const r = await api.post('/api/product/user/add', {
          name: `Shared cheese ${dialect}`,
          expiryDate: '2020-01-01',
        });
        assert.equal(r.status, 200, r.text);
      }
      assert.equal(
        (await leaver.api.post('/api/product/user/add', { name: `Own cheese ${dialect}` })).status,
        200,
      );
      await server.app.expirySweep.run(); // an "expired" notification for each of the two old items
      await db
        .insertInto('scan_logs')
        .values([
          {
            id: crypto.randomUUID(),
            user_id: leaver.id,
            product_id: shared,
            barcode: '1',
            status: 'scanned',
          },
          { id: crypto.randomUUID(), user_id: stayer.id, product_id: own, barcode: '2', status: 'scanned' },
        ])
        .execute();
      const count = async (table: 'user_products' | 'notifications' | 'scan_logs', userId: string) =>
        Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .where('user_id', '=', userId)
              .executeTakeFirstOrThrow()
          ).n,
        );
      assert.deepEqual(
        [
          await count('user_products', leaver.id),
          await count('notifications', leaver.id),
          await count('scan_logs', leaver.id),
        ],
        [2, 1, 1],
      );

      for (const body of [{}, { password: '' }, { password: 7 }]) {
        assert.equal(
          (await leaver.api.post('/api/user/delete-account', body)).status,
          422,
          JSON.stringify(body),
        );
      }
      const wrong = await leaver.api.post('/api/user/delete-account', { password: 'not-it' });
      assert.equal(wrong.status, 400);
      assert.deepEqual(wrong.body, { detail: 'Password is incorrect' });
      assert.equal(
        (await server.client().post('/api/user/delete-account', { password: leaver.password })).status,
        401,
      );
      assert.equal((await leaver.api.get('/api/user/profile')).status, 200, 'nothing deleted yet');

      const ok = await leaver.api.post('/api/user/delete-account', { password: leaver.password });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body, { message: 'Account deleted' });
      for (const session of [leaver.api, otherSession]) {
        assert.equal((await session.get('/api/user/profile')).status, 401);
      }
      assert.equal(
        (await server.client().post('/api/auth/login', { email: leaver.email, password: leaver.password }))
          .status,
        401,
      );
      assert.equal(
        (await db.selectFrom('users').select('id').where('id', '=', leaver.id).execute()).length,
        0,
      );
      assert.deepEqual(
        [
          await count('user_products', leaver.id),
          await count('notifications', leaver.id),
          await count('scan_logs', leaver.id),
        ],
        [0, 0, 0],
      );
      // The product another user keeps stays, ownerless, with its nutrition; the unshared one is gone with its nutrition.
      const products = await db
        .selectFrom('products')
        .select(['id', 'created_by'])
        .where('id', 'in', [shared, own])
        .execute();
      assert.deepEqual(products, [{ id: shared, created_by: null }]);
      const nutrition = await db
        .selectFrom('nutrition')
        .select('product_id')
        .where('product_id', 'in', [shared, own])
        .execute();
      assert.deepEqual(nutrition, [{ product_id: shared }]);
      // The other user: their item, its notification and their scan log (its product gone: no product) are intact.
      const list = await stayer.api.get('/api/product/user/list');
      assert.deepEqual(
        list.body.products.map((p: { productId: string }) => p.productId),
        [shared],
      );
      assert.equal(await count('notifications', stayer.id), 1);
      const scans = await db
        .selectFrom('scan_logs')
        .select(['product_id'])
        .where('user_id', '=', stayer.id)
        .execute();
      assert.deepEqual(scans, [{ product_id: null }]);
      // The e-mail is free again.
      const again = await server
        .client()
        .post('/api/auth/signup', { email: leaver.email, password: 'new-account' });
      assert.equal(again.status, 200, again.text);
      assert.notEqual(again.body.userId, leaver.id);
    });
  });
}

describe('login timing', () => {
  test('an unknown e-mail costs the same bcrypt work as a wrong password', async () => {
    const server = await startServer('sqlite', { bcryptCost: 10, loginMaxFailures: 1000 });
    try {
      const u = await newUser(server, 'timing');
      const api = server.client();
      // CPU time of this process (bcrypt runs on its libuv threads), not wall time: the suite runs
      // other test files in parallel on a 2-core machine, and their load skewed wall-clock ratios.
      const time = async (email: string) => {
        const t = process.cpuUsage();
        const r = await api.post('/api/auth/login', { email, password: 'wrong-password' });
        assert.equal(r.status, 401);
        const used = process.cpuUsage(t);
        return used.user + used.system;
      };
      await time(u.email);
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 7; i++) {
        known.push(await time(u.email));
        unknown.push(await time(`ghost${i}@example.com`));
      }
      const ratio = median(unknown) / median(known);
      assert.ok(ratio > 0.6 && ratio < 1.6, `unknown/known login CPU time ratio ${ratio.toFixed(2)}`);
    } finally {
      await server.close();
    }
  });
});

describe('behind a reverse proxy', () => {
  test('TRUST_PROXY=1: the address is the one the proxy saw; X-Forwarded-For entries the client wrote do not reset the login limit', async () => {
    const { trustProxy } = loadAppConfig({ DATABASE_URL: 'sqlite::memory:', TRUST_PROXY: '1' });
    const server = await startServer('sqlite', { trustProxy, loginMaxFailures: 3 });
    try {
      const u = await newUser(server, 'proxied');
      // What the proxy forwards: the header the client sent, then the address it connected from.
      const login = (password: string, claimed: string, from = '203.0.113.9') =>
        server
          .client()
          .post(
            '/api/auth/login',
            { email: u.email, password },
            { 'x-forwarded-for': `${claimed}, ${from}` },
          );
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await login('wrong-password', `198.51.100.${i}`)).status);
      assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
      assert.equal((await login(u.password, '198.51.100.99')).status, 429);
      // Another client behind the same proxy is another address.
      assert.equal((await login(u.password, '198.51.100.99', '203.0.113.10')).status, 200);
    } finally {
      await server.close();
    }
  });

  test('a burst of parallel guesses gets LOGIN_MAX_FAILURES answers, the rest 429 (they all passed the check before any failed)', async () => {
    const server = await startServer('sqlite', { trustProxy: 1, loginMaxFailures: 5, bcryptCost: 10 });
    try {
      const u = await newUser(server, 'burst');
      const answers = await Promise.all(
        Array.from({ length: 29 }, (_, i) =>
          server
            .client()
            .post(
              '/api/auth/login',
              { email: u.email, password: i === 25 ? u.password : `guess-${i}` },
              { 'x-forwarded-for': '198.51.100.90' },
            ),
        ),
      );
      const statuses = answers.map((a) => a.status);
      const checked = statuses.filter((s) => s !== 429);
      assert.ok(checked.length <= 5, `at most five passwords checked, got ${statuses.join(' ')}`);
      assert.ok(checked.length >= 1, statuses.join(' '));
      // Once they are settled, the address and e-mail are over the limit: right password or not.
      if (!statuses.includes(200)) {
        const after = await server
          .client()
          .post(
            '/api/auth/login',
            { email: u.email, password: u.password },
            { 'x-forwarded-for': '198.51.100.90' },
          );
        assert.equal(after.status, checked.length === 5 ? 429 : 200);
      }
    } finally {
      await server.close();
    }
  });

  test('one address failing for many e-mails, each under its own limit, is refused past 10 × LOGIN_MAX_FAILURES (password spraying)', async () => {
    const server = await startServer('sqlite', { trustProxy: 1, loginMaxFailures: 2 });
    try {
      const u = await newUser(server, 'sprayed');
      const login = (email: string, password: string, from: string) =>
        server.client().post('/api/auth/login', { email, password }, { 'x-forwarded-for': from });
      // Twenty e-mails, one guess each: no (address, e-mail) pair is near its limit of 2.
      for (let i = 1; i <= 20; i++) {
        assert.equal(
          (await login(`spray${i}@example.com`, 'guess', '198.51.100.80')).status,
          401,
          `guess ${i}`,
        );
      }
      // The address has had its 20: refused for any e-mail, before the password is checked.
      const refused = await login(u.email, u.password, '198.51.100.80');
      assert.equal(refused.status, 429, refused.text);
      assert.match(refused.body.detail, /^Too many failed login attempts\. Try again in \d+ seconds\.$/);
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      // Another address is another client.
      assert.equal((await login(u.email, u.password, '198.51.100.81')).status, 200);
    } finally {
      await server.close();
    }
  });

  test('failed logins spread over many addresses hit the per-account cap; clients that signed in lately are exempt', async () => {
    const server = await startServer('sqlite', {
      trustProxy: 1,
      loginMaxFailures: 3,
      loginMaxFailuresPerAccount: 4,
    });
    try {
      const u = await newUser(server, 'botnet');
      const other = await newUser(server, 'bystander');
      const login = (email: string, password: string, from: string) =>
        server.client().post('/api/auth/login', { email, password }, { 'x-forwarded-for': from });
      // The owner's phone signs in, then mistypes twice: a known client's typos do not count.
      assert.equal((await login(u.email, u.password, '203.0.113.50')).status, 200);
      for (let i = 0; i < 2; i++) assert.equal((await login(u.email, 'typo', '203.0.113.50')).status, 401);
      // Four addresses, one guess each: each is under its own limit of 3.
      for (let i = 1; i <= 4; i++)
        assert.equal((await login(u.email, 'guess', `198.51.100.${i}`)).status, 401, `guess ${i}`);
      // The fifth new address is refused before its password is checked, right or wrong.
      const refused = await login(u.email, 'guess', '198.51.100.5');
      assert.equal(refused.status, 429);
      assert.match(refused.body.detail, /^Too many failed login attempts\. Try again in \d+ seconds\.$/);
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      assert.equal((await login(u.email, u.password, '198.51.100.6')).status, 429);
      // The owner's phone still signs in, and other accounts are untouched.
      assert.equal((await login(u.email, u.password, '203.0.113.50')).status, 200);
      assert.equal((await login(other.email, other.password, '198.51.100.7')).status, 200);
    } finally {
      await server.close();
    }
  });

  test('the per-account cap counts only accounts that exist, and LOGIN_MAX_FAILURES_PER_ACCOUNT=0 turns it off', async () => {
    for (const perAccount of [4, 0]) {
      const server = await startServer('sqlite', {
        trustProxy: 1,
        loginMaxFailures: 3,
        loginMaxFailuresPerAccount: perAccount,
      });
      try {
        const u = await newUser(server, `cap${perAccount}`);
        const login = (email: string, password: string, from: string) =>
          server.client().post('/api/auth/login', { email, password }, { 'x-forwarded-for': from });
        // A made-up e-mail has no account to protect: its failures from many addresses are each
        // only their address's (no per-account count that would grow without bound in memory).
        for (let i = 1; i <= 6; i++) {
          assert.equal((await login('nobody@example.com', 'guess', `198.51.100.${i}`)).status, 401);
        }
        for (let i = 1; i <= 4; i++)
          assert.equal((await login(u.email, 'guess', `192.0.2.${i}`)).status, 401);
        assert.equal((await login(u.email, u.password, '192.0.2.5')).status, perAccount ? 429 : 200);
      } finally {
        await server.close();
      }
    }
  });

  test('accented or upper-case spellings of an e-mail fall under its counts (MariaDB finds the account by any of them)', async () => {
    const server = await startServer('sqlite', { trustProxy: 1, loginMaxFailures: 3 });
    try {
      const u = await newUser(server, 'accent');
      const [local, domain] = u.email.split('@') as [string, string];
      const login = (email: string) =>
        server
          .client()
          .post('/api/auth/login', { email, password: 'guess' }, { 'x-forwarded-for': '198.51.100.20' });
      for (let i = 0; i < 3; i++) assert.equal((await login(u.email)).status, 401);
      for (const spelling of [
        `${local.replace('a', 'á')}@${domain}`,
        `${local.toUpperCase().replace('A', 'Ä')}@${domain}`,
      ]) {
        assert.equal((await login(spelling)).status, 429, spelling);
      }
    } finally {
      await server.close();
    }
  });

  test("MariaDB: spellings its default collation folded into the account's (ß for s, ı for i) are other addresses, and do not reach it", async () => {
    const server = await startServer('mysql', { trustProxy: 1, loginMaxFailures: 3 });
    try {
      const signup = await server
        .client()
        .post('/api/auth/signup', { name: 'Sis', email: 'sis.rule@example.com', password: 'right-password' });
      assert.equal(signup.status, 200, signup.text);
      const login = (email: string, password = 'guess') =>
        server.client().post('/api/auth/login', { email, password }, { 'x-forwarded-for': '198.51.100.70' });
      for (const spelling of ['ßis.rule@example.com', 'sıs.rule@example.com', 'ßıß.rule@example.com']) {
        // utf8mb4_general_ci found the account by these, and let its password in.
        assert.equal(
          (await login(spelling, 'right-password')).status,
          401,
          `${spelling}, the account's password`,
        );
      }
      assert.equal((await login('sis.rule@example.com', 'right-password')).status, 200);
    } finally {
      await server.close();
    }
  });

  test('under the per-account cap, the signed-in owner still changes the password; the client that signed up is known', async () => {
    const server = await startServer('sqlite', {
      trustProxy: 1,
      loginMaxFailures: 3,
      loginMaxFailuresPerAccount: 3,
    });
    try {
      const signup = await server
        .client()
        .post(
          '/api/auth/signup',
          { name: 'Owner', email: 'owner.cap@example.com', password: 'first-password' },
          { 'x-forwarded-for': '203.0.113.60' },
        );
      assert.equal(signup.status, 200, signup.text);
      const login = (password: string, from: string) =>
        server
          .client()
          .post('/api/auth/login', { email: 'owner.cap@example.com', password }, { 'x-forwarded-for': from });
      for (let i = 1; i <= 3; i++) assert.equal((await login('guess', `198.51.100.${30 + i}`)).status, 401);
      assert.equal((await login('first-password', '198.51.100.40')).status, 429, 'a new client is refused');
      const changed = await server
        .client(signup.body.token)
        .post(
          '/api/user/change-password',
          { currentPassword: 'first-password', newPassword: 'second-password' },
          { 'x-forwarded-for': '198.51.100.41' },
        );
      assert.equal(changed.status, 200, changed.text);
      assert.equal(
        (await login('second-password', '203.0.113.60')).status,
        200,
        'the signup client is known',
      );
    } finally {
      await server.close();
    }
  });

  test('an IPv6 client is counted by its /64: a new address of the same network does not reset the login limit', async () => {
    const server = await startServer('sqlite', { trustProxy: 1, loginMaxFailures: 3 });
    try {
      const u = await newUser(server, 'six');
      const login = (password: string, from: string) =>
        server.client().post('/api/auth/login', { email: u.email, password }, { 'x-forwarded-for': from });
      const statuses: number[] = [];
      for (let i = 1; i <= 5; i++)
        statuses.push((await login('wrong-password', `2001:db8:5:6::${i}`)).status);
      assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
      assert.equal((await login(u.password, '2001:db8:5:6:ffff:1:2:3')).status, 429);
      // Another network is another client.
      assert.equal((await login(u.password, '2001:db8:5:7::1')).status, 200);
    } finally {
      await server.close();
    }
  });
});
