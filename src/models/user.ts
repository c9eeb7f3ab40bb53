import { col, defineTable } from '../migrate/schema/index.js';
import { EXACT } from './exact-collation.js';

/**
 * An account. E-mails are stored lower-cased, so the unique index makes them case-insensitive; and
 * compared exactly otherwise (EXACT): on MariaDB the default collation made `josé@…` the account of
 * `jose@…`, and every emoji the same character.
 */
export const users = defineTable(
  'users',
  {
    id: col.string(36).primaryKey(),
    email: col.string(255).collation(EXACT),
    password_hash: col.string(255),
    name: col.string(100).default(''),
    dob: col.date().nullable(),
    created_at: col.timestamp().default({ expr: 'current_timestamp' }),
    updated_at: col.timestamp().nullable(),
    /** Raised by a password change; tokens carry the value they were issued with (claim `ver`). */
    token_version: col.integer().default(0),
  },
  { indexes: [{ name: 'idx_user_email', columns: ['email'], unique: true }] },
);
