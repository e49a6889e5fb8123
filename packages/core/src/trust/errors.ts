/**
 * Typed errors of authored content in a room with a secret. Each is an
 * {@link UpdateRejectedError} (the content was refused and the document is untouched) with a
 * stable `name` of its own.
 */
import { UpdateRejectedError } from '../errors.js'

/** Content signed by a key that may not write in this room (a reader). */
export class UnauthorizedWriteError extends UpdateRejectedError {
  override name = 'UnauthorizedWriteError'
}

/** A local edit on a peer that may only read: it stays local and reaches nobody. */
export class ReadOnlyError extends UpdateRejectedError {
  override name = 'ReadOnlyError'
}

/** A signature that does not verify over the author's chain. */
export class SignatureError extends UpdateRejectedError {
  override name = 'SignatureError'
}

/**
 * Signed content that breaks the authorship rules: a struct under another author's clientID,
 * a gap in the author's clock, or a reference to content its dependencies do not reach.
 */
export class AuthorshipError extends UpdateRejectedError {
  override name = 'AuthorshipError'
}

/** An author signed two different entries with the same number: proof that it misbehaved. */
export class EquivocationError extends UpdateRejectedError {
  override name = 'EquivocationError'
  constructor(
    message: string,
    /** The equivocating author's peer id. */
    readonly author: string,
  ) {
    super(message)
  }
}
