/**
 * Typed errors of membership: metadata over its cap, payloads over theirs, and member news,
 * events, queries and answers that a room with a secret refuses (forged or unverifiable).
 */
import { ConfigError, ProtocolError } from './errors.js'

/** `room.setMeta()` would make this peer's metadata larger than `maxMetaBytes` (512 by default). Nothing changed. */
export class MetaTooLargeError extends ConfigError {
  override name = 'MetaTooLargeError'
  constructor(
    /** The size the metadata would have had, in UTF-8 bytes of keys and JSON values. */
    readonly bytes: number,
    /** The cap. */
    readonly limit: number,
  ) {
    super(`member metadata of ${bytes} bytes exceeds the limit of ${limit}`)
  }
}

/** An event, query or reply payload (or a name) is over its limit or not encodable. Nothing was sent. */
export class PayloadTooLargeError extends ConfigError {
  override name = 'PayloadTooLargeError'
}

/**
 * A member record was refused: in a room with a secret, its signature did not verify, or a
 * claim about a member did not carry the member's own proof of that incarnation; or the
 * verification queue was full. The record was dropped.
 */
export class MemberRecordError extends ProtocolError {
  override name = 'MemberRecordError'
}

/**
 * A room event, query or answer was refused in a room with a secret: it carried no signature
 * of the member it names, the signature did not verify, or too many waited for verification.
 * The frame was dropped and went no further.
 */
export class RoomEventError extends ProtocolError {
  override name = 'RoomEventError'
}
