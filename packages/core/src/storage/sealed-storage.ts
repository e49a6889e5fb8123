/**
 * Encryption at rest: a {@link StorageAdapter} that seals every value it stores (in scope)
 * in an AES-256-GCM envelope under a room's storage key, with the value's key path as
 * associated data (so a blob cannot be moved to another key), and opens every value it
 * reads. Keys, key order and atomic batches are the inner adapter's: only values change.
 * It never returns bytes that did not authenticate.
 */
import * as encoding from 'lib0/encoding'
import { envelopeKeyId, openEnvelope, sealEnvelope } from '../crypto/envelope.js'
import { KeyMismatchError } from '../crypto/errors.js'
import type { RoomKeys } from '../crypto/room-keys.js'
import type { StorageAdapter, StorageChunk, StorageKey, StorageOperation } from './adapter.js'
import { assertOperations } from './keys.js'

/** Options of {@link sealedStorage}. */
export interface SealedStorageInit {
  /**
   * The room keys, current generation first: values are sealed under the first and opened
   * with whichever generation their envelope names. A function is read at each call (keys
   * that are derived later, or rotated).
   */
  keys: RoomKeys | readonly RoomKeys[] | (() => RoomKeys | readonly RoomKeys[])
  /** Which keys are sealed. Default: every key. */
  seals?: (key: StorageKey) => boolean
}

/** A value that did not open, with the reason (`KeyMismatchError`: another secret; `DecryptError`: tampered, moved or not sealed). */
export interface RejectedChunk {
  /** The key and the stored (sealed) bytes. */
  chunk: StorageChunk
  error: Error
}

/** What {@link readRange} read: the values that opened, and those that did not. */
export interface CheckedRange {
  chunks: StorageChunk[]
  rejected: RejectedChunk[]
}

/** A sealing adapter: a {@link StorageAdapter} that can also say which values of a range did not open. */
export interface SealedStorage extends StorageAdapter {
  /** Like `loadRange`, but a value that does not open is set apart instead of failing the read. */
  loadRangeChecked(prefix: StorageKey): Promise<CheckedRange>
  /**
   * Seals again, under the current generation (the first of `keys`), every sealed value under
   * `prefix` that another generation of `keys` sealed, in ONE atomic batch; no other call
   * reaches the inner adapter meanwhile. A value that does not open is left as it is. Resolves
   * to the number of values sealed again. Used by `room.rotateSecret`.
   */
  reseal(prefix: StorageKey, keys: readonly RoomKeys[]): Promise<number>
}

/** The associated data of a stored value: its key path (lib0: count, then each element as a varString). */
export function keyPathData(key: StorageKey): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, key.length)
  for (const part of key) encoding.writeVarString(encoder, part)
  return encoding.toUint8Array(encoder)
}

/** Seals `data` for storage at `key` under the first of `keys`. */
export function sealBlob(keys: RoomKeys | readonly RoomKeys[], key: StorageKey, data: Uint8Array): Promise<Uint8Array> {
  const current = Array.isArray(keys) ? (keys as readonly RoomKeys[])[0] : (keys as RoomKeys)
  if (current === undefined) return Promise.reject(new KeyMismatchError('no storage key to seal with', '', []))
  return sealEnvelope(current, 'storage', data, { associatedData: keyPathData(key) })
}

/** Opens a value stored at `key`. Rejects with `KeyMismatchError` or `DecryptError`. */
export function openBlob(keys: RoomKeys | readonly RoomKeys[], key: StorageKey, sealed: Uint8Array): Promise<Uint8Array> {
  return openEnvelope(keys, 'storage', sealed, { associatedData: keyPathData(key) })
}

/** Reads a range, setting apart values that do not open when `adapter` seals (a plain adapter rejects none). */
export function readRange(adapter: StorageAdapter, prefix: StorageKey): Promise<CheckedRange> {
  const checked = (adapter as Partial<SealedStorage>).loadRangeChecked
  if (typeof checked === 'function') return checked.call(adapter, prefix)
  return adapter.loadRange(prefix).then((chunks) => ({ chunks, rejected: [] }))
}

/** The first rejection to raise for a read that must not partly fail: another secret first. */
function firstError(rejected: readonly RejectedChunk[]): Error {
  return (rejected.find((r) => r.error instanceof KeyMismatchError) ?? (rejected[0] as RejectedChunk)).error
}

/**
 * Wraps `adapter` so that every value it stores is sealed (see the module comment). Calls
 * reach the inner adapter in the order they were made, so a read issued after a write sees it.
 *
 * @example
 * ```ts
 * const keys = await deriveRoomKeys({ room: 'notes', secret })
 * const storage = sealedStorage(memoryStorage(), { keys })
 * await storage.save(['a'], bytes) // stored as a 37-byte-longer envelope bound to ['a']
 * ```
 */
export function sealedStorage(adapter: StorageAdapter, init: SealedStorageInit): SealedStorage {
  const seals = init.seals ?? (() => true)
  const keys = (): RoomKeys | readonly RoomKeys[] => (typeof init.keys === 'function' ? init.keys() : init.keys)
  /** Settles when the last call reached the inner adapter (not when it finished there). */
  let issued: Promise<unknown> = Promise.resolve()
  /**
   * Prepares a call (sealing), then makes it once every earlier call was made. An `alone`
   * call also holds back every later call until it finished (a read-then-write).
   */
  const inOrder = <T>(prepare: () => Promise<() => Promise<T>>, alone = false): Promise<T> => {
    const prepared = prepare()
    const call = issued.then(() => prepared)
    const done = call.then((run) => run())
    issued = (alone ? done : call).then(
      () => undefined,
      () => undefined,
    )
    return done
  }
  const seal = async (key: StorageKey, data: Uint8Array): Promise<Uint8Array> => (seals(key) ? sealBlob(keys(), key, data) : data)
  const open = async (chunk: StorageChunk): Promise<StorageChunk | RejectedChunk> => {
    if (!seals(chunk.key)) return chunk
    try {
      return { key: chunk.key, data: await openBlob(keys(), chunk.key, chunk.data) }
    } catch (error) {
      return { chunk, error: error instanceof Error ? error : new Error(String(error)) }
    }
  }
  const loadRangeChecked = async (prefix: StorageKey): Promise<CheckedRange> => {
    const raw = await inOrder(async () => () => adapter.loadRange(prefix))
    const opened = await Promise.all(raw.map(open))
    const result: CheckedRange = { chunks: [], rejected: [] }
    for (const item of opened) {
      if ('error' in item) result.rejected.push(item)
      else result.chunks.push(item)
    }
    return result
  }
  const sealOperation = async (op: StorageOperation): Promise<StorageOperation> =>
    op.type === 'save' ? { type: 'save', key: op.key, data: await seal(op.key, op.data) } : op

  return {
    async load(key) {
      const data = await inOrder(async () => () => adapter.load(key))
      if (data === undefined) return undefined
      const opened = await open({ key, data })
      if ('error' in opened) throw opened.error
      return opened.data
    },
    save(key, data) {
      return inOrder(async () => {
        // Invalid input is refused as the inner adapter would, before sealing makes it look valid.
        assertOperations([{ type: 'save', key, data }])
        const sealed = await seal(key, data)
        return () => adapter.save(key, sealed)
      })
    },
    remove: (key) => inOrder(async () => () => adapter.remove(key)),
    async loadRange(prefix) {
      const { chunks, rejected } = await loadRangeChecked(prefix)
      if (rejected.length > 0) throw firstError(rejected)
      return chunks
    },
    loadRangeChecked,
    reseal: (prefix, ring) =>
      inOrder(async () => async () => {
        const current = ring[0]
        if (current === undefined) return 0
        const raw = await adapter.loadRange(prefix)
        const stale = raw.filter((chunk) => seals(chunk.key) && envelopeKeyId(chunk.data) !== undefined && envelopeKeyId(chunk.data) !== current.fingerprint)
        const operations: StorageOperation[] = []
        for (const chunk of stale) {
          let data: Uint8Array
          try {
            data = await openBlob(ring, chunk.key, chunk.data)
          } catch {
            continue // tampered, or another secret: the next load reports it
          }
          operations.push({ type: 'save', key: chunk.key, data: await sealBlob(ring, chunk.key, data) })
        }
        if (operations.length > 0) await adapter.batch(operations)
        return operations.length
      }, true),
    removeRange: (prefix) => inOrder(async () => () => adapter.removeRange(prefix)),
    batch(operations) {
      return inOrder(async () => {
        assertOperations(operations)
        const sealed = await Promise.all(operations.map(sealOperation))
        return () => adapter.batch(sealed)
      })
    },
    ...(adapter.close === undefined ? {} : { close: () => inOrder(async () => () => (adapter.close as () => Promise<void>)()) }),
  } satisfies SealedStorage
}
