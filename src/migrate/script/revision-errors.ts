/**
 * An identifier that names no revision, or several. Internal detail: the CLI reports every one as
 * `Can't locate revision identified by '<argument>'`.
 */
export class ResolutionError extends Error {
  override readonly name: string = 'ResolutionError';
  constructor(
    message: string,
    readonly argument: string,
  ) {
    super(message);
  }
}

/** A user-facing revision error; the message is Alembic's wording, printed as is. */
export class RevisionError extends Error {
  override readonly name: string = 'RevisionError';
}

/** Alembic's message for `head` (or `label@head`) when several heads match. */
export function multipleHeadsMessage(argument: string): string {
  return (
    `Multiple head revisions are present for given argument '${argument}'; please specify a specific ` +
    `target revision, '<branchname>@${argument}' to narrow to a specific head, or 'heads' for all heads`
  );
}

/** `stamp`'s wording of the multiple-heads error. */
export const STAMP_MULTIPLE_HEADS_MESSAGE =
  'Multiple heads are present; please specify a single target revision';

/**
 * `head` matched several revisions. `argument` is the user's argument (for `upgrade`/`downgrade`
 * the whole target, as Alembic reports it). Commands with their own wording (`revision`, `stamp`)
 * can catch this and rephrase.
 */
export class MultipleHeadsError extends RevisionError {
  override readonly name: string = 'MultipleHeadsError';
  constructor(
    readonly heads: string[],
    readonly argument: string,
    message: string = multipleHeadsMessage(argument),
  ) {
    super(message);
  }
}
