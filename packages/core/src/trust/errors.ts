/**
 * Typed errors of authored content in a room with a secret. Each is an
 * {@link UpdateRejectedError} (the content was refused and the document is untouched) with a
 * stable `name` of its own. Presence states and relayed signals are refused with the same
 * errors (a reader's presence, a forged signature, a state under another client), plus two
 * of their own at the end of this file.
 */
import { GossamerError, UpdateRejectedError } from '../errors.js'

/** Content or a presence state signed by a key that may not write in this room (a reader). */
export class UnauthorizedWriteError extends UpdateRejectedError {
  override name = 'UnauthorizedWriteError'
}

/** A local edit on a peer that may only read: it stays local and reaches nobody. */
export class ReadOnlyError extends UpdateRejectedError {
  override name = 'ReadOnlyError'
}

/** A signature that does not verify: over the author's chain, a presence entry, or a relayed signal's origin. */
export class SignatureError extends UpdateRejectedError {
  override name = 'SignatureError'
}

/**
 * Signed content that breaks the authorship rules: a struct under another author's clientID,
 * a gap in the author's clock, or a reference to content its dependencies do not reach; or a
 * presence entry for a clientID its signing key does not own.
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

/**
 * A frame type this room does not take: an unsigned Awareness or Relay in a room with a
 * secret (nothing in them can be authenticated), or a signed one in an open room.
 */
export class FrameNotAllowedError extends GossamerError {
  override name = 'FrameNotAllowedError'
}

/** A peer has more verifications pending than it may queue: its newest frame was dropped. */
export class VerifyOverloadError extends GossamerError {
  override name = 'VerifyOverloadError'
}
