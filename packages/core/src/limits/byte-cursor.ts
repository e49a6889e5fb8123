/**
 * A bounds-checked reader over untrusted bytes for the limit scanners. Unlike lib0's
 * decoder it never reads past its input (lib0 returns `undefined` there, or reads into a
 * shared buffer), never allocates for what it skips, and only yields safe integers. Every
 * problem throws a {@link RangeError} that the scanners turn into a typed error.
 */

/** Reads varUints, bytes and strings from untrusted input. Internal. */
export class ByteCursor {
  readonly bytes: Uint8Array
  pos = 0

  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }

  /** Bytes not read yet. */
  get left(): number {
    return this.bytes.length - this.pos
  }

  /** One byte. */
  u8(): number {
    if (this.pos >= this.bytes.length) throw new RangeError('truncated')
    return this.bytes[this.pos++] as number
  }

  /** A varUint that is a safe integer. */
  varUint(): number {
    let value = 0
    let mult = 1
    for (;;) {
      const byte = this.u8()
      value += (byte & 0x7f) * mult
      if (value > Number.MAX_SAFE_INTEGER) throw new RangeError('varUint is not a 53-bit integer')
      if (byte < 0x80) return value
      mult *= 128
    }
  }

  /** Skips a lib0 varInt (sign in the first byte). */
  skipVarInt(): void {
    let byte = this.u8()
    if ((byte & 0x80) === 0) return
    for (let i = 0; i < 9; i++) {
      byte = this.u8()
      if (byte < 0x80) return
    }
    throw new RangeError('varInt is too long')
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    if (n > this.left) throw new RangeError(`truncated: ${n} bytes wanted, ${this.left} left`)
    this.pos += n
  }

  /** A varUint length that fits in what is left, then skips that many bytes; returns the length. */
  skipVarBytes(): number {
    const length = this.varUint()
    this.skip(length)
    return length
  }

  /** Skips a varString, checking it is valid UTF-8 as Yjs's decoder does (it throws on invalid bytes). */
  skipVarString(): void {
    decodeYString(this.varBytes())
  }

  /** A view (no copy) of a varUint8Array. */
  varBytes(): Uint8Array {
    const length = this.varUint()
    if (length > this.left) throw new RangeError(`truncated: ${length} bytes wanted, ${this.left} left`)
    const view = this.bytes.subarray(this.pos, this.pos + length)
    this.pos += length
    return view
  }
}

/** Decodes UTF-8 as lib0 does for Yjs: invalid sequences throw, a BOM is kept (so lengths match Yjs's). */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Decodes a varString's bytes the way Yjs's decoder does; throws a TypeError on invalid UTF-8. */
export function decodeYString(bytes: Uint8Array): string {
  return utf8.decode(bytes)
}

/**
 * Checks that `bytes` (a varString's) hold JSON Yjs can parse, no deeper than `max`, and
 * returns its depth (past `max`, without parsing). With `undefinedOk`, the text
 * `undefined` passes too (ContentJSON's way to store undefined).
 */
export function checkJson(bytes: Uint8Array, max: number, undefinedOk = false): number {
  const depth = jsonDepth(bytes, max)
  if (depth > max) return depth
  const text = decodeYString(bytes)
  if (!(undefinedOk && text === 'undefined')) JSON.parse(text)
  return depth
}

/**
 * The nesting depth of JSON text (0 for a scalar, 1 for `[]` or `{}`, ...), counting
 * brackets outside string literals; it stops counting once the depth passes `max`.
 */
export function jsonDepth(bytes: Uint8Array, max: number): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      depth++
      if (depth > deepest) {
        deepest = depth
        if (deepest > max) return deepest
      }
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return deepest
}
