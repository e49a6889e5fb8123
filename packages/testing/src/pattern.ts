/**
 * Deterministic test payloads.
 */

/**
 * `length` pseudo-random bytes from a xorshift generator seeded with `seed`: the same
 * arguments give the same bytes, and neighbouring offsets differ, so a lost, duplicated or
 * corrupted byte is caught when a payload is compared after a round trip.
 */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    bytes[i] = x & 0xff
  }
  return bytes
}
