/**
 * The storage seam: a byte-oriented key/value store with `string[]` keys. Adapters only
 * move bytes; the storage layer in core decides what keys mean.
 */

/** A key: a path of strings, compared element by element. */
export type StorageKey = readonly string[]

/** One stored value and its key. */
export interface StorageChunk {
  key: StorageKey
  data: Uint8Array
}

/**
 * One write of an atomic batch: save a value, remove a key, or remove every key that starts
 * with `prefix` (element-wise, like {@link StorageAdapter.removeRange}).
 */
export type StorageOperation =
  | { type: 'save'; key: StorageKey; data: Uint8Array }
  | { type: 'remove'; key: StorageKey }
  | { type: 'removeRange'; prefix: StorageKey }

/** A persistent key/value store. Implemented by adapters; core owns the interface. */
export interface StorageAdapter {
  /** The value at `key`, or undefined. */
  load(key: StorageKey): Promise<Uint8Array | undefined>
  /** Stores `data` at `key`, replacing any value. */
  save(key: StorageKey, data: Uint8Array): Promise<void>
  /** Removes `key` (no error when absent). */
  remove(key: StorageKey): Promise<void>
  /** Every value whose key starts with `prefix` (element-wise), in key order. */
  loadRange(prefix: StorageKey): Promise<StorageChunk[]>
  /** Removes every value whose key starts with `prefix`. */
  removeRange(prefix: StorageKey): Promise<void>
  /** Applies every operation in order, or none of them (one transaction). */
  batch(operations: readonly StorageOperation[]): Promise<void>
  /** Releases the store's resources. Optional. */
  close?(): Promise<void>
}
