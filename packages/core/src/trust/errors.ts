/**
 * Typed errors of a room with a secret that refuses what a peer sent: content signed by the
 * wrong key or not signed at all, a clientID the signer does not own, a reader acting as a
 * writer, and more pending verification work than one peer may queue. Each one means the
 * item was dropped and counted; callers branch on `err.name`.
 */
import { GossamerError } from '../errors.js'

/** A signature did not verify under the key it names: forged, tampered or replayed into another context. */
export class SignatureError extends GossamerError {
  override name = 'SignatureError'
}

/** An entry claims a clientID that its signing key does not own (see `clientIdOf`). */
export class ClientIdClaimError extends GossamerError {
  override name = 'ClientIdClaimError'
  constructor(
    message: string,
    /** The clientID claimed. */
    readonly claimed: number,
    /** The clientID the key owns. */
    readonly owned: number,
  ) {
    super(message)
  }
}

/** A peer that the room's `writers` do not name tried to write or show presence. */
export class ReadOnlyError extends GossamerError {
  override name = 'ReadOnlyError'
}

/**
 * A frame type this room does not take: an unsigned Awareness or Relay in a room with a
 * secret (they carry nothing a receiver could authenticate), or a signed one in an open room.
 */
export class FrameNotAllowedError extends GossamerError {
  override name = 'FrameNotAllowedError'
}

/** A peer has more verifications pending than it may queue; its newest frame was dropped. */
export class VerifyOverloadError extends GossamerError {
  override name = 'VerifyOverloadError'
}
