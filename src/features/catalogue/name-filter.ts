import { sql } from 'kysely';

/**
 * `?name=`: the products whose name holds `pattern` (a LIKE pattern of the lower-cased query, see
 * likePattern), compared on the name key, lower-cased by the application on every database
 * (SQLite's lower() knows only ASCII). A key that migration 5d1c0a7e9b3f made unique as
 * `<key>#<id>` must not match on its id (`?name=ab` would find it by a hex digit pair): such a key
 * is checked against the name itself as well.
 */
export function nameMatches(pattern: string) {
  return sql<boolean>`(p.name_key like ${pattern} escape '!' and (p.name_key not like '%#%' or lower(p.name) like ${pattern} escape '!'))`;
}
