/**
 * A fast, non-cryptographic 53-bit hash of bytes (two 32-bit multiply-xorshift lanes).
 * Used for delta ids, frame checksums and state digests: it detects corruption and
 * lets peers compare state in a few bytes. It is not a defence against forgery.
 */
export function hash53(bytes: Uint8Array, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number
    h1 = Math.imul(h1 ^ b, 2654435761)
    h2 = Math.imul(h2 ^ b, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/** Hashes several byte arrays as if concatenated with length prefixes. */
export function hashParts(parts: readonly Uint8Array[]): number {
  let h = parts.length
  for (const part of parts) h = hash53(part, (h ^ part.length) >>> 0)
  return h
}
