/** A revision that failed while running: names the revision and the statement that failed. */
export class MigrationError extends Error {
  constructor(
    readonly revision: string,
    readonly direction: 'up' | 'down',
    readonly statement: string,
    override readonly cause: unknown,
    /** What the failure left behind, where the database could not roll it back. */
    note?: string,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `${direction === 'up' ? 'Upgrade' : 'Downgrade'} of revision ${revision} failed: ${reason}` +
        (statement ? `\n  while running: ${statement.replace(/\s+/g, ' ').slice(0, 500)}` : '') +
        (note ? `\n  ${note}` : ''),
    );
  }
}

/**
 * A run that stopped between two revisions because the process was asked to (Ctrl-C, SIGTERM):
 * every revision before `next` is complete and recorded, and `next` never started.
 */
export class MigrationInterrupted extends Error {
  constructor(
    readonly signal: string,
    next: string,
  ) {
    super(
      `Interrupted by ${signal}: stopped before running ${next}; every revision before it is ` +
        'applied. Run the command again to go on',
    );
  }
}
