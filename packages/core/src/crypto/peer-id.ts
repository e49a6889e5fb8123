/**
 * Peer ids of authenticated peers: the unpadded base64url of the 32-byte Ed25519 public key
 * (43 characters, within the 64-byte peer id limit). The id is the key, so a receiver
 * verifies a signature by any peer id without a lookup, and nobody can pick an id without
 * holding its private key.
 */
import { fromBase64Url, toBase64Url } from './bytes.js'
import { InvalidPublicKeyError } from './errors.js'

/** Length of a key-derived peer id, in characters. */
export const KEY_PEER_ID_LENGTH = 43

/** The peer id of a 32-byte Ed25519 public key. Throws {@link InvalidPublicKeyError} for another length. */
export function peerIdFromPublicKey(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new InvalidPublicKeyError('an Ed25519 public key has 32 bytes')
  return toBase64Url(publicKey)
}

/**
 * The public key a key-derived peer id encodes. Checks the encoding only (43 canonical
 * base64url characters); {@link validatePublicKey} checks the point.
 *
 * @throws InvalidPublicKeyError when `peerId` is not a key-derived peer id.
 */
export function publicKeyFromPeerId(peerId: string): Uint8Array {
  const bytes = typeof peerId === 'string' && peerId.length === KEY_PEER_ID_LENGTH ? fromBase64Url(peerId) : undefined
  if (bytes?.length !== 32) throw new InvalidPublicKeyError(`not a key-derived peer id: ${JSON.stringify(String(peerId).slice(0, 64))}`)
  return bytes
}

/** Whether `peerId` has the shape of a key-derived peer id (43 canonical base64url characters). Does not check the point. */
export function isKeyPeerId(peerId: string): boolean {
  return typeof peerId === 'string' && peerId.length === KEY_PEER_ID_LENGTH && fromBase64Url(peerId)?.length === 32
}

/**
 * Checks that `publicKey` is a usable Ed25519 public key: 32 bytes, a canonical encoding of
 * a curve point, not of small order, and in the prime-order subgroup. Keys that pass are
 * verified identically by every backend (see `signatureBackend`). Uses @noble/curves
 * (loaded on first use); costs about one signature verification.
 *
 * @throws InvalidPublicKeyError naming what failed.
 */
export async function validatePublicKey(publicKey: Uint8Array): Promise<void> {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new InvalidPublicKeyError('an Ed25519 public key has 32 bytes')
  const { ed25519 } = await import('@noble/curves/ed25519.js')
  let point
  try {
    point = ed25519.Point.fromBytes(publicKey, false)
  } catch (cause) {
    throw new InvalidPublicKeyError('not a canonical encoding of an Ed25519 point', { cause })
  }
  if (point.isSmallOrder()) throw new InvalidPublicKeyError('an Ed25519 public key of small order')
  if (!point.isTorsionFree()) throw new InvalidPublicKeyError('an Ed25519 public key outside the prime-order subgroup')
}
