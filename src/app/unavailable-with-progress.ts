/**
 * The database became unavailable partway through work that commits step by step (`add-mass`:
 * each item its own transaction): the steps done stay done, so the 503 says which — `progress`
 * goes into its body next to `detail` — and the client can retry only the rest. `cause` is the
 * database's error: the request is a 503 because of it (see isDatabaseUnavailable).
 */
export class UnavailableWithProgress extends Error {
  constructor(
    override readonly cause: unknown,
    readonly progress: Record<string, unknown>,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}
