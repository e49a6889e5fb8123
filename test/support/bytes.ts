/**
 * Byte helpers shared by the repository-level test support (hand-built frames and
 * handshakes, frame mutations). Core keeps its own copy internal, so tests that may only use
 * its public API take this one.
 */

/** `parts` joined into one new array. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
