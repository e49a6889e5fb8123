/**
 * An order-preserving binary encoding of `string[]` keys, so SQLite's byte-wise BLOB order
 * (memcmp) is the storage seam's key order: element by element, strings by UTF-16 code unit,
 * a key before every longer key it is a prefix of. Every string encodes, lone surrogates and
 * NUL included.
 *
 * Each UTF-16 code unit is two bytes, big-endian; a data byte `0x00` is written `00 FF`, and
 * each element ends with `00 01`. The terminator sorts below every data byte, so a shorter
 * element sorts first; the tokens are prefix-free, so keys that start with a prefix's
 * encoding are exactly the keys under that prefix.
 */
import type { StorageKey } from '@gossamer/core'

const TERMINATOR = 0x01
const ESCAPED_ZERO = 0xff

/** The bytes of `key`. */
export function encodeKey(key: StorageKey): Uint8Array {
  let size = 0
  for (const element of key) {
    size += 2
    for (let i = 0; i < element.length; i++) {
      const unit = element.charCodeAt(i)
      size += (unit >> 8 === 0 ? 2 : 1) + ((unit & 0xff) === 0 ? 2 : 1)
    }
  }
  const out = new Uint8Array(size)
  let at = 0
  const put = (byte: number): void => {
    if (byte === 0) {
      out[at++] = 0
      out[at++] = ESCAPED_ZERO
    } else out[at++] = byte
  }
  for (const element of key) {
    for (let i = 0; i < element.length; i++) {
      const unit = element.charCodeAt(i)
      put(unit >> 8)
      put(unit & 0xff)
    }
    out[at++] = 0
    out[at++] = TERMINATOR
  }
  return out
}

/** The key encoded in `bytes`, or undefined when they are not an encoded key (written by something else). */
export function decodeKey(bytes: Uint8Array): StorageKey | undefined {
  const key: string[] = []
  const units: number[] = []
  const data: number[] = []
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number
    if (byte !== 0) {
      data.push(byte)
      continue
    }
    const next = bytes[++i]
    if (next === ESCAPED_ZERO) data.push(0)
    else if (next === TERMINATOR) {
      if (data.length % 2 !== 0) return undefined
      let element = ''
      for (let j = 0; j < data.length; j += 2) {
        units.push(((data[j] as number) << 8) | (data[j + 1] as number))
        if (units.length === 4096) element += String.fromCharCode(...units.splice(0))
      }
      key.push(element + String.fromCharCode(...units))
      units.length = 0
      data.length = 0
    } else return undefined
  }
  return data.length === 0 ? key : undefined
}

/**
 * The byte range of every key under `prefix`: `[lower, upper)`, or no bound at all for the
 * empty prefix. `upper` is `lower` with its last byte (the terminator's `01`) raised to `02`.
 */
export function prefixBounds(prefix: StorageKey): { lower: Uint8Array; upper: Uint8Array } | undefined {
  if (prefix.length === 0) return undefined
  const lower = encodeKey(prefix)
  const upper = lower.slice()
  upper[upper.length - 1] = TERMINATOR + 1
  return { lower, upper }
}
