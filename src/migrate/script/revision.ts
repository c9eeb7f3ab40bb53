/** One revision file, as the script directory reads it. */
export interface Revision {
  /** 12 hex characters by default; any identifier of word characters is accepted. */
  readonly revision: string;
  /** Parents: empty for a base revision, two or more for a merge. */
  readonly downRevisions: readonly string[];
  /** Cross-branch dependencies (Alembic's `depends_on`): must be applied first, but are not parents. */
  readonly dependsOn: readonly string[];
  readonly branchLabels: readonly string[];
  /** The `-m` message: the first paragraph of the docstring. */
  readonly message: string;
  /** The whole header docstring (message, Revision ID, Revises, Create Date). */
  readonly doc: string;
  /** Absolute path of the file. */
  readonly path: string;
}
