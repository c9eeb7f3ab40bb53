import { Type } from '@sinclair/typebox';
import { ISO_TIMESTAMP, Nullable } from '../../app/common-schemas.js';
import { DATE_OR_EMPTY_FORMAT } from '../../app/validation.js';

const Email = Type.String({ format: 'email', maxLength: 255, description: 'Compared case-insensitively.' });
const NewPassword = Type.String({
  minLength: 6,
  maxLength: 72,
  description: 'At least 6 characters and at most 72 bytes in UTF-8 (the bcrypt limit).',
});
// '' is "no date of birth", as null: the original stored a sign-up form's empty field as it came.
const Dob = Nullable(Type.String({ format: DATE_OR_EMPTY_FORMAT }), {
  description: "Date of birth, YYYY-MM-DD; null or '' for none.",
});

export const SignupBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 100 })),
  email: Email,
  password: NewPassword,
  dob: Type.Optional(Dob),
});

export const SignupReply = Type.Object({
  message: Type.String(),
  userId: Type.String(),
  name: Type.String(),
  email: Type.String(),
  dob: Nullable(Type.String()),
  created_at: Type.String({ description: `${ISO_TIMESTAMP} (the original's key)` }),
  createdAt: Type.String({ description: ISO_TIMESTAMP }),
  token: Type.String({ description: 'A bearer token, as login gives.' }),
});

/**
 * Login takes passwords longer than the 72 bytes sign-up allows, on purpose: accounts carried over
 * from the original may have been hashed by the Python bcrypt 4.3 it pinned, which cut longer
 * passwords at 72 bytes without a word, and their owners still type the whole password. bcrypt compares the first 72 bytes, as it
 * did then.
 */
export const LoginBody = Type.Object({
  email: Email,
  password: Type.String({ minLength: 1, maxLength: 1024 }),
});

export const LoginReply = Type.Object({
  message: Type.String(),
  token: Type.String({
    description:
      'HS256 JWT with `userId`, `email`, `exp` and `ver` (the token version; a password change raises it).',
  }),
});

export const Profile = Type.Object({
  id: Type.String(),
  name: Type.String(),
  dob: Nullable(Type.String()),
  email: Type.String(),
  createdAt: Type.String({ description: ISO_TIMESTAMP }),
  updatedAt: Nullable(Type.String({ description: ISO_TIMESTAMP })),
});

export const ProfileUpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 100 })),
    dob: Type.Optional(Dob),
  },
  { minProperties: 1 },
);

export const ChangePasswordBody = Type.Object({
  currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
  newPassword: NewPassword,
});

export const DeleteAccountBody = Type.Object({
  password: Type.String({ minLength: 1, maxLength: 1024, description: 'The current password, to confirm.' }),
});

export const DeleteAccountReply = Type.Object({ message: Type.String() });
