/**
 * What a room secret may be: high-entropy bytes (or their base64url text) for `secret`, a
 * human string for `password`. See {@link roomSecretBytes} and {@link generateRoomSecret}.
 */
import { fromBase64Url, randomBytes, toBase64Url, utf8 } from './bytes.js'
import { WeakSecretError } from './errors.js'
import { PBKDF2_ITERATIONS } from './labels.js'

/** Shortest accepted secret: 16 bytes (128 bits). */
export const MIN_SECRET_BYTES = 16
/** Longest accepted secret: 1,024 bytes. */
export const MAX_SECRET_BYTES = 1024
/** Longest accepted password, in UTF-8 bytes (after NFC normalization). */
export const MAX_PASSWORD_BYTES = 4096

/**
 * A fresh room secret: 32 random bytes as base64url (43 characters). Share it with the
 * room's members out of band (in the URL fragment, a QR code, a password manager).
 *
 * @example
 * ```ts
 * const secret = generateRoomSecret() // 'q3Jx…' (43 characters)
 * const keys = await deriveRoomKeys({ room: 'design-review', secret })
 * ```
 */
export function generateRoomSecret(): string {
  return toBase64Url(randomBytes(32))
}

/**
 * The bytes of a `secret` option: `Uint8Array` as given (copied), a string decoded as
 * canonical unpadded base64url. Throws {@link WeakSecretError} for fewer than 16 bytes,
 * more than 1,024, or a string that is not canonical base64url (a human phrase belongs in
 * `password`, which is stretched).
 */
export function roomSecretBytes(secret: Uint8Array | string): Uint8Array {
  let bytes: Uint8Array | undefined
  if (typeof secret === 'string') {
    bytes = fromBase64Url(secret)
    if (bytes === undefined) {
      throw new WeakSecretError('secret: not canonical unpadded base64url; pass a human passphrase as `password` instead (it is stretched with PBKDF2)')
    }
  } else if (secret instanceof Uint8Array) bytes = secret.slice()
  else throw new WeakSecretError('secret: expected a Uint8Array or a base64url string')
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new WeakSecretError(`secret: ${bytes.length} bytes, need at least ${MIN_SECRET_BYTES} (128 bits); use generateRoomSecret()`)
  }
  if (bytes.length > MAX_SECRET_BYTES) throw new WeakSecretError(`secret: ${bytes.length} bytes, at most ${MAX_SECRET_BYTES}`)
  return bytes
}

/** The UTF-8 bytes of a `password` (NFC-normalized, so every platform types the same bytes). Throws {@link WeakSecretError} when empty or too long. */
export function passwordBytes(password: string): Uint8Array {
  if (typeof password !== 'string' || password.length === 0) throw new WeakSecretError('password: expected a non-empty string')
  const bytes = utf8(password.normalize('NFC'))
  if (bytes.length > MAX_PASSWORD_BYTES) throw new WeakSecretError(`password: ${bytes.length} bytes, at most ${MAX_PASSWORD_BYTES}`)
  return bytes
}

/** Validates a PBKDF2 iteration count: an integer ≥ 600,000 (at most 100 million). */
export function pbkdf2Iterations(iterations: number | undefined): number {
  const n = iterations ?? PBKDF2_ITERATIONS
  if (!Number.isInteger(n) || n < PBKDF2_ITERATIONS || n > 100_000_000) {
    throw new WeakSecretError(`iterations: ${String(iterations)}, need an integer from ${PBKDF2_ITERATIONS} to 100,000,000`)
  }
  return n
}
