import { randomUUID } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import { conflict, HttpError, unauthorized, ValidationFailure } from '../../app/http-error.js';
import type { TokenVersions } from '../../app/token-versions.js';
import type { AuthUser, Tokens } from '../../app/tokens.js';
import type { AppDatabase } from '../../db/database.js';
import { iso, todayUtc } from '../../db/dates.js';
import { isForeignKeyViolation, isTransient, isUniqueViolation } from '../../db/errors.js';
import { rowLock } from '../../db/row-lock.js';
import type { LoginGuard } from './login-guard.js';
import { MAX_PASSWORD_BYTES, type Passwords } from './passwords.js';
import type { ChangePasswordBody, DeleteAccountBody, ProfileUpdateBody, SignupBody } from './schemas.js';

const INVALID_LOGIN = 'Invalid email or password';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** A profile update naming an e-mail other than the caller's: 422 on `email`, which cannot change. */
export function refuseEmailChange(user: AuthUser, body: unknown): void {
  if (body === null || typeof body !== 'object' || !Object.hasOwn(body, 'email')) return;
  const email = (body as { email: unknown }).email;
  if (typeof email === 'string' && normalizeEmail(email) === normalizeEmail(user.email)) return;
  throw new ValidationFailure([{ field: 'email', message: 'The e-mail address cannot be changed' }]);
}

function checkPasswordBytes(field: string, password: string): void {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new ValidationFailure([{ field, message: `Password must be at most ${MAX_PASSWORD_BYTES} bytes` }]);
  }
}

/** `today` is the server's calendar day (APP_TIMEZONE), as everywhere else in the app. */
function checkDob(dob: string | null | undefined, today: string): void {
  if (dob && (dob < '1900-01-01' || dob > today)) {
    throw new ValidationFailure([
      { field: 'dob', message: 'Date of birth must be between 1900-01-01 and today' },
    ]);
  }
}

/** Accounts: signup, login, profile. Every query is by the caller's own id or e-mail. */
export class AuthService {
  constructor(
    private readonly database: AppDatabase,
    private readonly passwords: Passwords,
    private readonly tokens: Tokens,
    private readonly versions: TokenVersions,
    private readonly guard: LoginGuard,
    private readonly today: () => string = todayUtc,
  ) {}

  private get db() {
    return this.database.db;
  }

  async signup(body: Static<typeof SignupBody>, clientAddress: string) {
    checkPasswordBytes('password', body.password);
    checkDob(body.dob, this.today());
    const email = normalizeEmail(body.email);
    const existing = await this.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirst();
    if (existing) throw conflict('User already exists');
    const id = randomUUID();
    const createdAt = new Date();
    const passwordHash = await this.passwords.hash(body.password);
    const name = (body.name ?? '').trim();
    try {
      await this.db
        .insertInto('users')
        .values({
          id,
          email,
          password_hash: passwordHash,
          name,
          dob: body.dob || null,
          created_at: createdAt,
        })
        .execute();
    } catch (e) {
      // Two signups for one e-mail at once: the unique index decides.
      if (isUniqueViolation(e)) throw conflict('User already exists');
      throw e;
    }
    const created = iso(createdAt)!;
    // The client that created the account is one of its owner's: exempt from its login cap.
    await this.guard.succeed(clientAddress, email);
    return {
      message: 'User created successfully',
      userId: id,
      name,
      email,
      dob: body.dob || null,
      created_at: created,
      createdAt: created,
      token: this.tokens.sign({ id, email }),
    };
  }

  /** Same answer, and the same bcrypt work, whether or not the e-mail exists. */
  async login(rawEmail: string, password: string, clientAddress: string) {
    const typed = normalizeEmail(rawEmail);
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'email', 'password_hash', 'token_version'])
      .where('email', '=', typed)
      .executeTakeFirst();
    // Counted under the account's own e-mail when there is one: MariaDB's collation finds it by
    // spellings no key folding matches (ß for ss, ı for i, any emoji for another), and each such
    // spelling would otherwise have counts of its own, past both limits.
    const email = row?.email ?? typed;
    const release = await this.guard.check(clientAddress, email);
    try {
      const ok = await this.passwords.verify(password, row?.password_hash);
      if (!ok || !row) {
        await this.guard.fail(clientAddress, email, row !== undefined);
        throw unauthorized(INVALID_LOGIN);
      }
      await this.guard.succeed(clientAddress, email);
    } finally {
      release();
    }
    return {
      message: 'Login successful',
      token: this.tokens.sign({ id: row.id, email: row.email }, row.token_version),
    };
  }

  async profile(user: AuthUser) {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'name', 'dob', 'email', 'created_at', 'updated_at'])
      .where('id', '=', user.id)
      .executeTakeFirst();
    if (!row) throw new HttpError(404, 'User not found');
    return {
      id: row.id,
      name: row.name,
      dob: row.dob,
      email: row.email,
      createdAt: iso(row.created_at)!,
      updatedAt: iso(row.updated_at),
    };
  }

  async updateProfile(user: AuthUser, body: Static<typeof ProfileUpdateBody>) {
    checkDob(body.dob, this.today());
    await this.db
      .updateTable('users')
      .set({
        ...(body.name !== undefined ? { name: body.name.trim() } : {}),
        ...(body.dob !== undefined ? { dob: body.dob || null } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', user.id)
      .execute();
    return this.profile(user);
  }

  /**
   * The password a signed-in user types to confirm a change, checked under the login limit: a
   * wrong one counts as a failed login for this address and e-mail, and past the limit the check
   * is refused (429). Otherwise whoever holds a stolen token could guess the password here at the
   * request rate, and then take the account over by changing it.
   */
  private async confirmPassword(clientAddress: string, email: string, password: string, hash: string) {
    // The caller holds the account's token: the per-account cap (against strangers guessing) does
    // not apply, or an attack on the account would stop its owner from changing the password.
    const release = await this.guard.check(clientAddress, email, { signedIn: true });
    try {
      if (!(await this.passwords.verify(password, hash))) {
        await this.guard.fail(clientAddress, email, false);
        return false;
      }
      await this.guard.succeed(clientAddress, email);
      return true;
    } finally {
      release();
    }
  }

  /**
   * Revokes every token issued before (the token version goes up) and returns a new one, so the
   * client that changed the password stays signed in while other sessions are signed out.
   */
  async changePassword(user: AuthUser, body: Static<typeof ChangePasswordBody>, clientAddress: string) {
    checkPasswordBytes('newPassword', body.newPassword);
    const row = await this.db
      .selectFrom('users')
      .select(['email', 'password_hash', 'token_version'])
      .where('id', '=', user.id)
      .executeTakeFirst();
    if (
      !row ||
      !(await this.confirmPassword(clientAddress, row.email, body.currentPassword, row.password_hash))
    ) {
      throw new HttpError(400, 'Current password is incorrect');
    }
    // Checked after the current password, so it tells nothing to someone who does not know it. A
    // "change" to the same password would sign every other session out and change nothing.
    if (body.newPassword === body.currentPassword) {
      throw new ValidationFailure([
        { field: 'newPassword', message: 'New password must differ from the current password' },
      ]);
    }
    const hash = await this.passwords.hash(body.newPassword);
    // Only over the hash that was checked: a change that won a race in between makes this one fail.
    const changed = await this.db
      .updateTable('users')
      .set({ password_hash: hash, token_version: row.token_version + 1, updated_at: new Date() })
      .where('id', '=', user.id)
      .where('password_hash', '=', row.password_hash)
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) throw new HttpError(400, 'Current password is incorrect');
    await this.versions.revoked(user.id);
    return {
      message: 'Password changed successfully',
      token: this.tokens.sign({ id: user.id, email: row.email }, row.token_version + 1),
    };
  }

  /**
   * Deletes the caller's account and their data, in one transaction: inventory, notifications and
   * scan log go with the user (ON DELETE CASCADE); catalogue products they created go too when no
   * other user's inventory holds them, and otherwise stay in the shared catalogue without an owner
   * (`created_by` NULL). Every token of the account stops working and its open sockets close.
   */
  async deleteAccount(user: AuthUser, body: Static<typeof DeleteAccountBody>, clientAddress: string) {
    const row = await this.db
      .selectFrom('users')
      .select(['email', 'password_hash'])
      .where('id', '=', user.id)
      .executeTakeFirst();
    if (!row || !(await this.confirmPassword(clientAddress, row.email, body.password, row.password_hash))) {
      throw new HttpError(400, 'Password is incorrect');
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.transaction().execute(async (tx) => {
          // The user row first, for update, and only over the hash that was checked (a password
          // change in between makes this fail). Every write of this user's (an item, a catalogue
          // entry) holds a shared lock on this row until it commits, so this waits for those in
          // flight and the statements below see them; later ones wait for this transaction, then
          // fail as their user is gone. Without it, on PostgreSQL a product committed between the
          // product delete and the user delete was left in the catalogue, ownerless and unused.
          const locked = await tx
            .selectFrom('users')
            .select('id')
            .where('id', '=', user.id)
            .where('password_hash', '=', row.password_hash)
            .modifyEnd(rowLock(this.database, 'update'))
            .executeTakeFirst();
          if (!locked) throw new HttpError(400, 'Password is incorrect');
          // Own items first: they hold the user's own products under ON DELETE RESTRICT.
          await tx.deleteFrom('user_products').where('user_id', '=', user.id).execute();
          await tx
            .deleteFrom('products')
            .where('created_by', '=', user.id)
            .where(({ exists, not, selectFrom }) =>
              not(
                exists(
                  selectFrom('user_products')
                    .select('id')
                    .whereRef('user_products.product_id', '=', 'products.id'),
                ),
              ),
            )
            .execute();
          await tx.deleteFrom('users').where('id', '=', user.id).execute();
        });
        break;
      } catch (e) {
        // Another user put one of these products in their inventory after the NOT EXISTS read
        // (RESTRICT refused the delete), or a deadlock with an expiry sweep: nothing was
        // deleted, and running again sees the other transaction's rows.
        if (!(isForeignKeyViolation(e) || isTransient(e)) || attempt >= 3) throw e;
      }
    }
    await this.versions.revoked(user.id);
    return { message: 'Account deleted' };
  }
}
