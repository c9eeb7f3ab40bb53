import assert from 'node:assert/strict';
import type { DialectName } from '../../src/migrate/index.js';

interface DriverError {
  code?: string | number;
  errno?: number;
  message?: string;
  constraint?: string;
}

/** The driver error a statement failed with, with what each dialect's driver says about it. */
function driverError(e: unknown): DriverError & { message: string; said: string } {
  const d = (typeof e === 'object' && e !== null ? e : {}) as DriverError;
  const { code, errno, constraint } = d;
  const message = d.message ?? String(e);
  return { code, errno, constraint, message, said: `code ${code}, errno ${errno}: ${message}` };
}

/**
 * An `assert.rejects` predicate: the statement broke the CHECK constraint `name` (SQLite
 * SQLITE_CONSTRAINT_CHECK, PostgreSQL 23514, MariaDB 4025 ER_CONSTRAINT_FAILED), not some other rule.
 */
export function checkViolation(dialect: DialectName, name: string): (e: unknown) => true {
  return (e) => {
    const d = driverError(e);
    const broken =
      dialect === 'sqlite'
        ? d.code === 'SQLITE_CONSTRAINT_CHECK' && d.message === `CHECK constraint failed: ${name}`
        : dialect === 'postgres'
          ? d.code === '23514' && d.constraint === name
          : d.errno === 4025 && d.message.startsWith(`CONSTRAINT \`${name}\` failed`);
    assert.ok(broken, `expected CHECK ${name} to be violated, got ${d.said}`);
    return true;
  };
}

/**
 * An `assert.rejects` predicate: the statement broke the unique index `name` (PostgreSQL 23505,
 * MariaDB 1062 ER_DUP_ENTRY, both naming it). SQLite names a unique index's columns instead,
 * `table.column` each, given as `sqliteColumns`.
 */
export function uniqueViolation(
  dialect: DialectName,
  name: string,
  sqliteColumns: readonly string[],
): (e: unknown) => true {
  return (e) => {
    const d = driverError(e);
    const broken =
      dialect === 'sqlite'
        ? d.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
          d.message === `UNIQUE constraint failed: ${sqliteColumns.join(', ')}`
        : dialect === 'postgres'
          ? d.code === '23505' && d.constraint === name
          : d.errno === 1062 && d.message.endsWith(`for key '${name}'`);
    assert.ok(broken, `expected unique index ${name} to be violated, got ${d.said}`);
    return true;
  };
}
