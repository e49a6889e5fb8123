/**
 * The receiving half of a session direction: authenticates frames and accepts each sequence
 * number exactly once, in order (the transport is ordered and reliable).
 */
import * as decoding from 'lib0/decoding'
import { CryptoError, DecryptError, FrameOrderError, FrameReplayError } from './errors.js'
import type { FrameAssociatedData } from './frame-sealer.js'
import { frameNonce } from './frame-nonce.js'
import type { AeadKey } from './symmetric.js'

const EMPTY = new Uint8Array(0)
const TAG_BYTES = 16

/** Opens the frames a {@link FrameSealer} sealed for the other direction of the same session. */
export interface FrameOpener {
  /** The sequence number the next accepted frame must carry. */
  readonly nextSequence: number
  /**
   * Opens a sealed frame. Promises settle in call order. Rejects with
   * {@link FrameReplayError} for a sequence number already accepted, {@link FrameOrderError}
   * for one past the next expected, and {@link DecryptError} for malformed bytes, a wrong
   * key, tampering or different associated data. A rejected frame changes nothing; since
   * the transport neither loses nor reorders, the session should then be closed.
   */
  open(sealed: Uint8Array, associatedData?: FrameAssociatedData): Promise<Uint8Array>
}

function readSequence(sealed: Uint8Array): { sequence: number; body: Uint8Array } {
  try {
    const decoder = decoding.createDecoder(sealed)
    const sequence = decoding.readVarUint(decoder)
    const body = sealed.subarray(decoder.pos)
    if (!Number.isSafeInteger(sequence) || body.length < TAG_BYTES) throw new Error('too short')
    return { sequence, body }
  } catch (cause) {
    throw new DecryptError('malformed sealed frame', { cause })
  }
}

/** A {@link FrameOpener} on a direction's AES-GCM `key` and 12-byte `iv` (both from `deriveSessionKeys`). */
export function frameOpener(key: AeadKey, iv: Uint8Array): FrameOpener {
  if (iv.length !== 12) throw new CryptoError('frame IV: expected 12 bytes')
  const base = iv.slice()
  let expected = 0
  let tail: Promise<unknown> = Promise.resolve()
  return {
    get nextSequence() {
      return expected
    },
    open(sealed, associatedData) {
      let parsed: { sequence: number; body: Uint8Array; ad: Uint8Array }
      try {
        const { sequence, body } = readSequence(sealed)
        parsed = { sequence, body, ad: typeof associatedData === 'function' ? associatedData(sequence) : (associatedData ?? EMPTY) }
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new DecryptError('associated data callback failed', { cause: error }))
      }
      const { sequence, body, ad } = parsed
      // Decrypt at once (in parallel with earlier frames) unless already known stale; the
      // sequence check and the commit happen in call order. The no-op handler keeps an early
      // failure from counting as unhandled while it waits for its turn.
      const eager = sequence >= expected ? key.open(frameNonce(base, sequence), body, ad) : undefined
      eager?.catch(() => undefined)
      const ordered = tail.then(async () => {
        if (sequence < expected) throw new FrameReplayError(expected, sequence)
        if (sequence > expected) throw new FrameOrderError(expected, sequence)
        const plaintext = await (eager ?? key.open(frameNonce(base, sequence), body, ad))
        expected = sequence + 1
        return plaintext
      })
      tail = ordered.then(
        () => undefined,
        () => undefined,
      )
      return ordered
    },
  }
}
