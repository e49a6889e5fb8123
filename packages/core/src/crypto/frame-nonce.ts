/**
 * The 96-bit AES-GCM nonce of a session frame: the direction's 12-byte IV XOR the 64-bit
 * big-endian sequence number in its last 8 bytes (the TLS 1.3 construction). Distinct
 * sequence numbers give distinct nonces, so a direction key never sees one twice.
 */
import { CryptoError } from './errors.js'

/** The nonce of frame `sequence` under `iv` (12 bytes). */
export function frameNonce(iv: Uint8Array, sequence: number): Uint8Array {
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new CryptoError(`sequence ${sequence} is not a safe non-negative integer`)
  const nonce = new Uint8Array(iv)
  const view = new DataView(nonce.buffer)
  view.setUint32(4, view.getUint32(4) ^ Math.floor(sequence / 0x1_0000_0000))
  view.setUint32(8, view.getUint32(8) ^ (sequence >>> 0))
  return nonce
}
