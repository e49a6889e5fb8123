/**
 * Byte helpers shared by the conformance suites (they run in browsers too, so no Buffer).
 */

/** UTF-8 bytes of `s`. */
export const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Index of the first differing byte, or -1 when equal (works without Node's Buffer). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return -1
}
