import { parseColumnType } from './column-type.js';
import {
  type Collation,
  type CollationChange,
  type ColumnType,
  SCHEMA_DIALECTS,
  type SchemaDialect,
} from './types.js';

/**
 * Column collations as plain data: per-dialect names (types.ts says why), applied and compared the
 * same way by `op`, the offline schema tracker, SQLite's copy-and-move and the comparator.
 */

/**
 * Checks a collation declared in a model or an `op` call: a plain string is refused (it would
 * mean one name on three databases that share none), as are unknown dialects and empty names.
 */
export function validateCollation(value: unknown, allowNull: boolean): void {
  if (allowNull && value === null) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(
      `A collation is named per dialect, e.g. { mysql: 'utf8mb4_bin' }; got ${JSON.stringify(value)}`,
    );
  }
  for (const [dialect, name] of Object.entries(value)) {
    if (!SCHEMA_DIALECTS.includes(dialect as SchemaDialect)) {
      throw new Error(`Unknown dialect '${dialect}' in a collation (expected ${SCHEMA_DIALECTS.join(', ')})`);
    }
    if (allowNull && name === null) continue;
    if (typeof name !== 'string' || name.trim() === '') {
      throw new Error(`The ${dialect} collation must be a non-empty name; got ${JSON.stringify(name)}`);
    }
  }
}

/** The collation `change` leaves, from `current`; undefined when every dialect is at its default. */
export function applyCollationChange(
  current: Collation | undefined,
  change: CollationChange | undefined,
): Collation | undefined {
  if (change === undefined) return current;
  if (change === null) return undefined;
  const next: Collation = { ...current };
  for (const [dialect, name] of Object.entries(change) as [SchemaDialect, string | null][]) {
    if (name === null) delete next[dialect];
    else next[dialect] = name;
  }
  return Object.keys(next).length ? next : undefined;
}

/** Whether `change` touches `dialect`'s collation. */
export function changesCollation(change: CollationChange | undefined, dialect: SchemaDialect): boolean {
  return change === null || (change !== undefined && dialect in change);
}

/** Collation names compare case-insensitively: MySQL and SQLite fold them, PostgreSQL's differ in more than case. */
export function sameCollation(a: string | undefined, b: string | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

/**
 * Whether a column of `type` takes a COLLATE clause: the portable string and text types do, the
 * other portable ones refuse it (a column retyped from string to integer drops its collation).
 */
export function collatable(type: ColumnType): boolean {
  if (typeof type !== 'string') return true; // a dialect type: its collation, if any, is the database's
  try {
    const base = parseColumnType(type).base;
    return base === 'string' || base === 'text';
  } catch {
    return true; // a type outside the portable vocabulary: its collation, if any, is the database's
  }
}
