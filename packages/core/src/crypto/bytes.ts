/**
 * Byte helpers of the crypto layer: UTF-8, concatenation, platform randomness and strict
 * base64url (RFC 4648 §5, unpadded, canonical).
 */
import { fromBase64UrlEncoded, toBase64UrlEncoded } from 'lib0/buffer'
import { CryptoUnavailableError } from './errors.js'

const BASE64URL = /^[A-Za-z0-9_-]*$/

/** The UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text)
}

/** `parts` joined into one new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** `bytes` itself when it is backed by a plain `ArrayBuffer` (what WebCrypto takes), else a copy. */
export function plainBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes)
}

/** Whether two byte arrays are equal (not constant time: for public values only). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** `length` bytes from the platform's cryptographic generator. */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto
  if (typeof crypto?.getRandomValues !== 'function') {
    throw new CryptoUnavailableError('crypto.getRandomValues is missing: this platform has no cryptographic random source')
  }
  const out = new Uint8Array(length)
  // getRandomValues fills at most 65,536 bytes per call
  for (let offset = 0; offset < length; offset += 65_536) crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65_536)))
  return out
}

/** Unpadded base64url of `bytes`. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64UrlEncoded(bytes)
}

/**
 * Decodes unpadded, canonical base64url (the only encoding {@link toBase64Url} produces).
 * Returns undefined for anything else: other characters, padding, an impossible length, or
 * non-zero unused bits in the last character.
 */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined
  const bytes = fromBase64UrlEncoded(text)
  return toBase64UrlEncoded(bytes) === text ? bytes : undefined
}
