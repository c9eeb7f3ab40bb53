/**
 * Exact comparison and code-point order, as SQLite's default BINARY collation: MariaDB/MySQL's
 * default utf8mb4 collation ignores case and accents, so a unique key on it would take "müsli" and
 * "musli" for one; PostgreSQL's database locale (say en_US.UTF-8) compares exactly but sorts by
 * its own rules, so a list ordered by the key would page differently from one server to another.
 * `utf8mb4_bin` compares code points (like every PAD SPACE collation it ignores trailing spaces,
 * which the application trims anyway); PostgreSQL's "C" orders by them.
 */
export const EXACT = { mysql: 'utf8mb4_bin', postgres: 'C' } as const;
