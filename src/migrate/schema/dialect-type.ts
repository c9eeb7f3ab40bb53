import { type ColumnType, type DialectType, SCHEMA_DIALECTS, type SchemaDialect } from './types.js';

/**
 * Column types given in a database's own SQL (`{ mysql: 'char(2)' }`, types.ts): recognised,
 * compared and printed here, so the rest of the engine treats them as opaque.
 */

class DialectTypeError extends Error {}

export function isDialectType(type: ColumnType): type is DialectType {
  return typeof type === 'object' && type !== null;
}

/** The SQL a dialect type gives for `dialect`; throws, naming what it is for, when it has none. */
export function dialectTypeSql(type: DialectType, dialect: SchemaDialect): string {
  const sql = type[dialect];
  if (sql === undefined || sql.trim() === '') {
    const named = Object.keys(type).join(', ') || 'no database';
    throw new DialectTypeError(
      `Column type ${typeLabel(type)} is given for ${named} only: this revision cannot run on ${dialect}`,
    );
  }
  return sql;
}

/** For messages: `string(255)`, or `mysql:char(2)`. */
export function typeLabel(type: ColumnType): string {
  if (!isDialectType(type)) return type;
  return Object.entries(type)
    .map(([dialect, sql]) => `${dialect}:${sql}`)
    .join(', ');
}

/** Equal types: the same portable name, or the same SQL per dialect (case and spacing aside). */
export function sameColumnType(a: ColumnType, b: ColumnType): boolean {
  if (!isDialectType(a) || !isDialectType(b)) return a === b;
  const norm = (t: DialectType) =>
    JSON.stringify(
      Object.entries(t)
        .map(([d, s]) => [
          d,
          (s ?? '')
            .toLowerCase()
            .replace(/\s+/g, ' ')
            .replace(/\s*([(),])\s*/g, '$1'),
        ])
        .sort(),
    );
  return norm(a) === norm(b);
}

/** A dialect type names only known dialects: a typo (`mariadb`) would otherwise read as "not for this one". */
export function validateDialectNames(type: DialectType, what: string): void {
  for (const key of Object.keys(type)) {
    if (!SCHEMA_DIALECTS.includes(key as SchemaDialect)) {
      throw new DialectTypeError(
        `Unknown dialect '${key}' in the type of ${what} (expected ${SCHEMA_DIALECTS.join(', ')})`,
      );
    }
  }
}
