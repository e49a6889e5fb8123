/**
 * Key helpers shared by the storage adapters and the storage layer: element-wise key order
 * (the order IndexedDB gives arrays of strings), prefix tests and validation.
 */
import type { StorageKey, StorageOperation } from './adapter.js'

/**
 * Compares two keys element by element (strings by UTF-16 code unit, like IndexedDB);
 * a key sorts before every longer key it is a prefix of. Returns -1, 0 or 1.
 */
export function compareKeys(a: StorageKey, b: StorageKey): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i] as string
    const y = b[i] as string
    if (x < y) return -1
    if (x > y) return 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

/** True when `key` starts with every element of `prefix` (element-wise: `['a','b']` is not a prefix of `['a','bc']`). */
export function hasPrefix(key: StorageKey, prefix: StorageKey): boolean {
  if (prefix.length > key.length) return false
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false
  return true
}

/** True when `value` is an array of strings. */
export function isStorageKey(value: unknown): value is StorageKey {
  return Array.isArray(value) && value.every((part) => typeof part === 'string')
}

/** Why `operation` is not a valid {@link StorageOperation}, or undefined when it is. */
export function invalidOperation(operation: unknown): string | undefined {
  if (typeof operation !== 'object' || operation === null) return 'not an object'
  const op = operation as { type?: unknown; key?: unknown; prefix?: unknown; data?: unknown }
  if (op.type === 'removeRange') return isStorageKey(op.prefix) ? undefined : 'prefix is not an array of strings'
  if (!isStorageKey(op.key)) return 'key is not an array of strings'
  if (op.type === 'remove') return undefined
  if (op.type !== 'save') return `unknown operation type ${String(op.type)}`
  if (!(op.data instanceof Uint8Array)) return 'data is not a Uint8Array'
  return undefined
}

/** Throws a TypeError naming the first invalid operation of `operations`. */
export function assertOperations(operations: readonly StorageOperation[]): void {
  if (!Array.isArray(operations)) throw new TypeError('batch: operations must be an array')
  operations.forEach((operation, index) => {
    const reason = invalidOperation(operation)
    if (reason !== undefined) throw new TypeError(`batch: operation ${index} is invalid: ${reason}`)
  })
}

/** Throws a TypeError when `key` is not an array of strings. */
export function assertKey(key: unknown, what = 'key'): asserts key is StorageKey {
  if (!isStorageKey(key)) throw new TypeError(`${what} must be an array of strings`)
}

/** A copy of `data` that owns its whole buffer (no view into a larger buffer). */
export function ownBytes(data: Uint8Array): Uint8Array {
  return new Uint8Array(data)
}
