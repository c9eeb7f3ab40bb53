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

/**
 * Whether `name` is one constraintName(prefix, table, [...parts, last]) gives for some non-empty
 * `last` (a foreign key's target table, say), compared without case: `<prefix>_<table>_<parts>_…`
 * in full, or a longer one cut and hashed, whose kept head may end anywhere in those parts. The
 * hash of a cut name is not checked, as what was cut is unknown.
 */
export function isConstraintNameFor(
  name: string,
  prefix: 'pk' | 'uq' | 'fk' | 'ix' | 'ck',
  table: string,
  parts: string[],
): boolean {
  const n = name.toLowerCase();
  const head = `${[prefix, table, ...parts].join('_')}_`.toLowerCase();
  if (n.length <= MAX_IDENTIFIER && n.length > head.length && n.startsWith(head)) return true;
  const kept = MAX_IDENTIFIER - 9;
  if (n.length !== MAX_IDENTIFIER || !/_[0-9a-f]{8}$/.test(n)) return false;
  return head.length >= kept ? n.startsWith(head.slice(0, kept)) : n.startsWith(head);
}
