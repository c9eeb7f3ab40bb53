import { sql } from 'kysely';
import type { DialectName } from '../../migrate/index.js';

/**
 * `?name=`: the products whose name holds `pattern` (a LIKE pattern of the query's name key, see
 * likePattern), compared on the name key, computed by the application on every database (SQLite's
 * lower() knows only ASCII; NFKC is JavaScript's). A key that migrations 5d1c0a7e9b3f and
 * 227e9a1d60f1 made unique as `<key>#<id>` must not match on its id (`?name=ab` would find it by a
 * hex digit pair): such a key must hold the pattern before its `#<id>`.
 */
export function nameMatches(pattern: string, dialect: DialectName) {
  // PostgreSQL cannot tell the type of a parameter given to concat(): it is text.
  const given = dialect === 'postgres' ? sql`cast(${pattern} as text)` : sql`${pattern}`;
  return sql<boolean>`((p.name_key like ${pattern} escape '!' and p.name_key not like concat('%#', p.id)) or p.name_key like concat(${given}, '#', p.id) escape '!')`;
}
