/**
 * A user-facing failure. The CLI prints `ERROR [...] msg` when the database was reached and
 * `FAILED: msg` always, then exits 255, as Alembic's CommandError does. No stack trace.
 */
export class CommandError extends Error {
  constructor(
    message: string,
    /** Alembic prints the ERROR log line only once its environment (the DB connection) started. */
    readonly logged = false,
  ) {
    super(message);
  }
}
