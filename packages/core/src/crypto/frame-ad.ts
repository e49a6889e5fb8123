/**
 * Associated data of a session frame: authenticated with the frame, never sent (both sides
 * know it), so a frame cannot be replayed into another room, under another sender, at another
 * position or protocol version.
 */
import * as encoding from 'lib0/encoding'
import { ConfigError } from '../errors.js'
import { LABELS } from './labels.js'

/** What a frame's associated data binds. */
export interface FrameAssociatedDataInit {
  /** The negotiated protocol version. */
  version: number
  /** The room the frame belongs to. */
  room: string
  /** The sender's peer id (derived from its public key). */
  sender: string
  /** The frame's sequence number in its direction (the sealer passes it to an AD callback). */
  sequence: number
}

/**
 * Encodes `"gossamer/v1/frame-ad" ‖ version ‖ room ‖ sender ‖ sequence` with lib0
 * (varString, varUint, varString, varString, varUint).
 *
 * @example
 * ```ts
 * const sealed = await session.sealer.seal(frame, (sequence) =>
 *   frameAssociatedData({ version: 5, room: 'notes', sender: myPeerId, sequence }))
 * ```
 */
export function frameAssociatedData(init: FrameAssociatedDataInit): Uint8Array {
  if (!Number.isSafeInteger(init.version) || init.version < 0) throw new ConfigError('version: expected a non-negative integer')
  if (!Number.isSafeInteger(init.sequence) || init.sequence < 0) throw new ConfigError('sequence: expected a non-negative integer')
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, LABELS.frameAd)
  encoding.writeVarUint(encoder, init.version)
  encoding.writeVarString(encoder, init.room)
  encoding.writeVarString(encoder, init.sender)
  encoding.writeVarUint(encoder, init.sequence)
  return encoding.toUint8Array(encoder)
}
