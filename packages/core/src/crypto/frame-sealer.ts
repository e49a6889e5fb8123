/**
 * The sending half of a session direction: numbers frames, encrypts them, and hands them out
 * in sequence order.
 */
import * as encoding from 'lib0/encoding'
import { CryptoError } from './errors.js'
import { frameNonce } from './frame-nonce.js'
import type { AeadKey } from './symmetric.js'

/** Associated data for a frame: fixed bytes, or a function of the frame's sequence number. */
export type FrameAssociatedData = Uint8Array | ((sequence: number) => Uint8Array)

const EMPTY = new Uint8Array(0)

/**
 * Seals the frames of one direction of a session. A sealed frame is
 * `varUint(sequence) ‖ AES-256-GCM ciphertext ‖ 16-byte tag`, the nonce being
 * {@link frameNonce}(iv, sequence). Sequence numbers start at 0 and grow by one per call.
 */
export interface FrameSealer {
  /** The sequence number the next `seal` call will use. */
  readonly nextSequence: number
  /**
   * Seals `plaintext`. The sequence number is taken when called, and the promises resolve
   * in call order, so sending each result as it resolves keeps the receiver's order. Send
   * every sealed frame: the opener expects each sequence number exactly once, in order.
   */
  seal(plaintext: Uint8Array, associatedData?: FrameAssociatedData): Promise<Uint8Array>
}

/** A {@link FrameSealer} on a direction's AES-GCM `key` and 12-byte `iv` (both from `deriveSessionKeys`). */
export function frameSealer(key: AeadKey, iv: Uint8Array): FrameSealer {
  if (iv.length !== 12) throw new CryptoError('frame IV: expected 12 bytes')
  const base = iv.slice()
  let next = 0
  let tail: Promise<unknown> = Promise.resolve()
  return {
    get nextSequence() {
      return next
    },
    seal(plaintext, associatedData) {
      const sequence = next
      if (sequence >= Number.MAX_SAFE_INTEGER) return Promise.reject(new CryptoError('frame sequence numbers exhausted: rekey the session'))
      let ad: Uint8Array
      try {
        ad = typeof associatedData === 'function' ? associatedData(sequence) : (associatedData ?? EMPTY)
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new CryptoError('associated data callback failed', { cause: error }))
      }
      next = sequence + 1
      const work = key.seal(frameNonce(base, sequence), plaintext, ad).then((ciphertext) => {
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, sequence)
        encoding.writeUint8Array(encoder, ciphertext)
        return encoding.toUint8Array(encoder)
      })
      // `work` runs now, in parallel with earlier seals; its result (or error) is delivered
      // through `ordered`, after every earlier seal settled. The no-op handler only keeps an
      // early failure from counting as unhandled while it waits for its turn.
      work.catch(() => undefined)
      const ordered = tail.then(() => work)
      tail = ordered.then(
        () => undefined,
        () => undefined,
      )
      return ordered
    },
  }
}
