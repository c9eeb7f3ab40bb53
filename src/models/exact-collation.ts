/**
 * Exact comparison, as SQLite and PostgreSQL compare text by default: MariaDB/MySQL's default
 * utf8mb4 collation ignores case and accents, so a unique key on it would take "müsli" and "musli"
 * for one. `utf8mb4_bin` compares code points; like every PAD SPACE collation it ignores trailing
 * spaces, which the application trims anyway.
 */
export const EXACT = { mysql: 'utf8mb4_bin' } as const;
