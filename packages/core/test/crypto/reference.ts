/**
 * The key schedule recomputed with node:crypto, straight from its written specification
 * (docs/SECURITY.md), so tests compare two independent implementations.
 */
import { createDecipheriv, createHash, hkdfSync, pbkdf2Sync } from 'node:crypto'

/** SHA-256(label ‖ 0x00 ‖ UTF-8 room). */
export function labelledSalt(label: string, room: string): Buffer {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(label, 'utf8'), Buffer.from([0]), Buffer.from(room, 'utf8')]))
    .digest()
}

/** HKDF-SHA-256 of the room's input keying material under `info`. */
export function roomHkdf(ikm: Uint8Array, room: string, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, labelledSalt('gossamer/v1/room-salt', room), Buffer.from(info, 'utf8'), length))
}

/** The input keying material of a password: PBKDF2-HMAC-SHA-256, 600,000 iterations, NFC. */
export function passwordIkm(password: string, room: string): Buffer {
  return pbkdf2Sync(Buffer.from(password.normalize('NFC'), 'utf8'), labelledSalt('gossamer/v1/password-salt', room), 600_000, 32, 'sha256')
}

/** AES-256-GCM decryption of `sealed` (ciphertext ‖ 16-byte tag). Throws when it does not authenticate. */
export function aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce)
  decipher.setAAD(ad)
  decipher.setAuthTag(sealed.subarray(sealed.length - 16))
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()])
}

/** Hex to bytes. */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'))
}
