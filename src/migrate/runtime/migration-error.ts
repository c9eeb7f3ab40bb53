/** A revision that failed while running: names the revision and the statement that failed. */
export class MigrationError extends Error {
  constructor(
    readonly revision: string,
    readonly direction: 'up' | 'down',
    readonly statement: string,
    override readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `${direction === 'up' ? 'Upgrade' : 'Downgrade'} of revision ${revision} failed: ${reason}` +
        (statement ? `\n  while running: ${statement.replace(/\s+/g, ' ').slice(0, 500)}` : ''),
    );
  }
}
