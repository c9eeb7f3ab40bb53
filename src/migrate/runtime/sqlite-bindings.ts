import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * A timestamp as SQLite holds it here: UTC text, `YYYY-MM-DD HH:MM:SS.sss` — what `--sql` renders
 * for a Date and what the application stores, so an online run and its script write the same.
 */
export function sqliteTimestamp(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

const needsConversion = (v: unknown) => v instanceof Date || typeof v === 'boolean';

/** Values better-sqlite3 can bind: a Date as UTC text, a boolean as 1 or 0, the rest as given. */
export function sqliteBindable(parameters: ReadonlyArray<unknown>): ReadonlyArray<unknown> {
  if (!parameters.some(needsConversion)) return parameters;
  return parameters.map((v) =>
    v instanceof Date ? sqliteTimestamp(v) : typeof v === 'boolean' ? Number(v) : v,
  );
}

/**
 * better-sqlite3 binds only numbers, strings, bigints, buffers and null ("SQLite3 can only bind
 * numbers, …" for a boolean or a Date). The other drivers take both, so a data migration's
 * `op.db.insertInto(…).values({ done: true, at: new Date() })`, or the application's queries,
 * would run on MariaDB and PostgreSQL and fail on SQLite only. Converting where the driver is
 * called covers every path — Kysely queries, `CompiledQuery.raw`, the migration sinks.
 */
export function bindingDatabase(database: SqliteDatabase): SqliteDatabase {
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const statement = database.prepare(sql);
      return {
        reader: statement.reader,
        all: (parameters) => statement.all(sqliteBindable(parameters)),
        run: (parameters) => statement.run(sqliteBindable(parameters)),
        iterate: (parameters) => statement.iterate(sqliteBindable(parameters)),
      };
    },
  };
}
