import { createHash } from 'node:crypto';

/**
 * Deterministic constraint and index names (SQLAlchemy calls this a naming convention). Named
 * constraints are what make `dropConstraint` and autogenerate's comparison portable: every dialect
 * reports the same name back.
 */
const MAX_IDENTIFIER = 60; // PostgreSQL truncates at 63, MySQL refuses past 64.

export function constraintName(
  prefix: 'pk' | 'uq' | 'fk' | 'ix' | 'ck',
  table: string,
  parts: string[],
): string {
  const name = [prefix, table, ...parts].join('_');
  if (name.length <= MAX_IDENTIFIER) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_IDENTIFIER - 9)}_${hash}`;
}
