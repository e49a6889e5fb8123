/**
 * Envelopes: self-describing AES-256-GCM boxes with a random nonce, for stored blobs,
 * signaling payloads and room-wide frames. The key id in the header picks the key, so blobs
 * written before a secret rotation still open with the old keys.
 *
 * Layout: `0x01 (format) ‖ key id (8) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`, 37 bytes of overhead.
 * Associated data: lib0 varString("gossamer/v1/envelope") ‖ varString(purpose) ‖
 * varUint8Array(the 21 header bytes) ‖ varUint8Array(caller's associated data).
 */
import * as encoding from 'lib0/encoding'
import { bytesEqual, concatBytes, randomBytes, toBase64Url } from './bytes.js'
import { DecryptError, KeyMismatchError } from './errors.js'
import { LABELS } from './labels.js'
import type { RoomKeys } from './room-keys.js'
import type { AeadKey } from './symmetric.js'

/** Which key an envelope uses: `storage` or `signaling` (frames are sealed per session, not in envelopes). */
export type EnvelopePurpose = 'storage' | 'signaling'

/** Options of {@link sealEnvelope} and {@link openEnvelope}. */
export interface EnvelopeOptions {
  /** Extra bytes to bind (not stored): for storage, the blob's key path, so a blob cannot be moved to another key. */
  associatedData?: Uint8Array
}

/** Envelope format byte. */
export const ENVELOPE_FORMAT = 1
const HEADER_BYTES = 1 + 8 + 12
const TAG_BYTES = 16

function keyFor(keys: RoomKeys, purpose: EnvelopePurpose): AeadKey {
  return purpose === 'storage' ? keys.storage : keys.signaling
}

function associated(purpose: EnvelopePurpose, header: Uint8Array, extra: Uint8Array | undefined): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, LABELS.envelopeAd)
  encoding.writeVarString(encoder, purpose)
  encoding.writeVarUint8Array(encoder, header)
  encoding.writeVarUint8Array(encoder, extra ?? new Uint8Array(0))
  return encoding.toUint8Array(encoder)
}

/** Seals `plaintext` under the `purpose` key of `keys`, with a fresh random 96-bit nonce. */
export async function sealEnvelope(keys: RoomKeys, purpose: EnvelopePurpose, plaintext: Uint8Array, options: EnvelopeOptions = {}): Promise<Uint8Array> {
  const header = concatBytes(new Uint8Array([ENVELOPE_FORMAT]), keys.keyId, randomBytes(12))
  const sealed = await keyFor(keys, purpose).seal(header.subarray(9), plaintext, associated(purpose, header, options.associatedData))
  return concatBytes(header, sealed)
}

/** The key id (base64url) an envelope names, or undefined when it is not an envelope of a known format. */
export function envelopeKeyId(envelope: Uint8Array): string | undefined {
  if (envelope.length < HEADER_BYTES + TAG_BYTES || envelope[0] !== ENVELOPE_FORMAT) return undefined
  return toBase64Url(envelope.subarray(1, 9))
}

/**
 * Opens an envelope with whichever of `keys` (one generation, or a keyring of several) its
 * key id names. Rejects with {@link KeyMismatchError} when none does (the wrong secret, or a
 * generation not given) and {@link DecryptError} for a malformed or tampered envelope, or
 * different associated data. Never returns unauthenticated bytes.
 */
export async function openEnvelope(
  keys: RoomKeys | readonly RoomKeys[],
  purpose: EnvelopePurpose,
  envelope: Uint8Array,
  options: EnvelopeOptions = {},
): Promise<Uint8Array> {
  if (envelope.length < HEADER_BYTES + TAG_BYTES) throw new DecryptError(`envelope too short: ${envelope.length} bytes`)
  if (envelope[0] !== ENVELOPE_FORMAT) throw new DecryptError(`unknown envelope format ${String(envelope[0])}`)
  const header = envelope.subarray(0, HEADER_BYTES)
  const keyId = header.subarray(1, 9)
  const ring: readonly RoomKeys[] = Array.isArray(keys) ? keys : [keys as RoomKeys]
  const match = ring.find((candidate) => bytesEqual(candidate.keyId, keyId))
  if (match === undefined) {
    throw new KeyMismatchError(
      `envelope sealed under key ${toBase64Url(keyId)}, which none of the given keys has`,
      toBase64Url(keyId),
      ring.map((k) => k.fingerprint),
    )
  }
  return keyFor(match, purpose).open(header.subarray(9), envelope.subarray(HEADER_BYTES), associated(purpose, header, options.associatedData))
}
