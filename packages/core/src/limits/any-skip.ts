/**
 * Skips one lib0 "any" value (the encoding of Yjs's ContentAny elements and subdocument
 * options) without building it, and measures how deeply it nests. Iterative, so a value
 * nested a million deep costs a loop, not a stack overflow; it stops as soon as the depth
 * passes the limit.
 */
import type { ByteCursor } from './byte-cursor.js'

/** lib0 any tags (127 − index in lib0's reader table). */
const TAG = {
  undefined: 127,
  null: 126,
  varInt: 125,
  float32: 124,
  float64: 123,
  bigInt64: 122,
  false: 121,
  true: 120,
  string: 119,
  object: 118,
  array: 117,
  bytes: 116,
} as const

/**
 * Skips one value at the cursor. Returns its depth (0 for a scalar, 1 for an array or
 * object of scalars, ...), or a number above `maxDepth` as soon as it goes deeper.
 *
 * @throws RangeError for an unknown tag, truncated input or impossible counts.
 */
export function skipAny(cursor: ByteCursor, maxDepth: number): number {
  // Per open container: values still to skip, and whether each is preceded by a key.
  const counts: number[] = []
  const keyed: boolean[] = []
  let deepest = 0
  for (;;) {
    const tag = cursor.u8()
    switch (tag) {
      case TAG.undefined:
      case TAG.null:
      case TAG.false:
      case TAG.true:
        break
      case TAG.varInt:
        cursor.skipVarInt()
        break
      case TAG.float32:
        cursor.skip(4)
        break
      case TAG.float64:
      case TAG.bigInt64:
        cursor.skip(8)
        break
      case TAG.string:
        cursor.skipVarString()
        break
      case TAG.bytes:
        cursor.skipVarBytes()
        break
      case TAG.object:
      case TAG.array: {
        const count = cursor.varUint()
        // Every element takes at least one byte (two for an object entry).
        if (count > cursor.left) throw new RangeError(`${count} elements, ${cursor.left} bytes left`)
        if (counts.length + 1 > deepest) {
          deepest = counts.length + 1
          if (deepest > maxDepth) return deepest
        }
        counts.push(count)
        keyed.push(tag === TAG.object)
        break
      }
      default:
        throw new RangeError(`unknown any tag ${tag}`)
    }
    // Close finished containers; read the key of the next object entry.
    for (;;) {
      const top = counts.length - 1
      if (top < 0) return deepest
      const left = counts[top] as number
      if (left === 0) {
        counts.pop()
        keyed.pop()
        continue
      }
      counts[top] = left - 1
      if (keyed[top] === true) cursor.skipVarString()
      break
    }
  }
}
