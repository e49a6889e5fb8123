/**
 * In-memory storage adapters: {@link memoryStorage}, the reference implementation of the
 * storage seam, and {@link faultyStorage}, a fault-injection wrapper that simulates a
 * process dying between two adapter calls.
 */
import type { StorageAdapter, StorageChunk, StorageKey, StorageOperation } from './adapter.js'
import { StorageCrashError } from './errors.js'
import { assertKey, assertOperations, compareKeys, hasPrefix, ownBytes } from './keys.js'

/** An id for a key, unique per key (JSON of the string array). */
const idOf = (key: StorageKey): string => JSON.stringify(key)

/**
 * A {@link StorageAdapter} kept in a `Map`: keys compare element-wise, `loadRange` returns
 * chunks in key order, `batch` validates every operation before applying any (atomic).
 * Values are copied in and out, like a real store. Each call made on a store is visible to
 * every later call, even before its promise settles.
 *
 * @example
 * ```ts
 * const storage = memoryStorage()
 * await storage.save(['a', 'b'], new Uint8Array([1]))
 * await storage.loadRange(['a']) // [{ key: ['a', 'b'], data: Uint8Array [1] }]
 * ```
 */
export function memoryStorage(): StorageAdapter {
  const entries = new Map<string, StorageChunk>()
  const range = (prefix: StorageKey): StorageChunk[] =>
    [...entries.values()].filter((chunk) => hasPrefix(chunk.key, prefix)).sort((a, b) => compareKeys(a.key, b.key))
  const run = async <T>(fn: () => T): Promise<T> => fn()
  return {
    load: (key) =>
      run(() => {
        assertKey(key)
        const chunk = entries.get(idOf(key))
        return chunk === undefined ? undefined : ownBytes(chunk.data)
      }),
    save: (key, data) =>
      run(() => {
        assertOperations([{ type: 'save', key, data }])
        entries.set(idOf(key), { key: [...key], data: ownBytes(data) })
      }),
    remove: (key) =>
      run(() => {
        assertKey(key)
        entries.delete(idOf(key))
      }),
    loadRange: (prefix) =>
      run(() => {
        assertKey(prefix, 'prefix')
        return range(prefix).map((chunk) => ({ key: [...chunk.key], data: ownBytes(chunk.data) }))
      }),
    removeRange: (prefix) =>
      run(() => {
        assertKey(prefix, 'prefix')
        for (const chunk of range(prefix)) entries.delete(idOf(chunk.key))
      }),
    batch: (operations) =>
      run(() => {
        assertOperations(operations)
        for (const op of operations) {
          if (op.type === 'save') entries.set(idOf(op.key), { key: [...op.key], data: ownBytes(op.data) })
          else if (op.type === 'remove') entries.delete(idOf(op.key))
          else for (const chunk of range(op.prefix)) entries.delete(idOf(chunk.key))
        }
      }),
  } satisfies StorageAdapter
}

/** Method names of a {@link StorageAdapter} that count as steps in {@link faultyStorage}. */
export type StorageMethod = 'load' | 'save' | 'remove' | 'loadRange' | 'removeRange' | 'batch'

/** One adapter call seen by {@link faultyStorage}. */
export interface FaultyOperation {
  /** Index of the call, from 0. A batch is one step. */
  step: number
  method: StorageMethod
  /** True when this call crashed (it had no effect). */
  crashed: boolean
  /** The operations of a batch. */
  operations?: readonly StorageOperation[]
  /** The key or prefix of any other call. */
  key?: StorageKey
}

/** Options of {@link faultyStorage}. */
export interface FaultyStorageInit {
  /** The step (0-based call index) at which the store crashes. Default: never. */
  failAt?: number
  /** Called for every call, before it runs (or crashes). */
  onOperation?: (operation: FaultyOperation) => void
}

/** A {@link StorageAdapter} with a crash switch, made by {@link faultyStorage}. */
export interface FaultyStorage extends StorageAdapter {
  /** Calls counted so far. */
  readonly steps: number
  /** True once the store has crashed. */
  readonly crashed: boolean
  /** Crashes now: every later call rejects. */
  crash(): void
}

/**
 * Wraps `inner` for crash tests. Every data call (load, save, remove, loadRange,
 * removeRange, batch) is one step; a whole batch is one step, since it is atomic; `close` is
 * not counted. From step `failAt` on, every call rejects with a {@link StorageCrashError} and
 * leaves `inner` untouched: the process "died" just before that call reached the disk.
 * Restart by opening a new store on `inner`.
 *
 * @example
 * ```ts
 * const disk = memoryStorage()
 * const storage = faultyStorage(disk, { failAt: 3 })
 * // ... run the app on `storage`, then recover from `disk`
 * ```
 */
export function faultyStorage(inner: StorageAdapter, init: FaultyStorageInit = {}): FaultyStorage {
  let steps = 0
  let crashedAt: number | undefined
  const step = <T>(method: StorageMethod, detail: Partial<FaultyOperation>, call: () => Promise<T>): Promise<T> => {
    const index = steps++
    if (crashedAt === undefined && init.failAt !== undefined && index >= init.failAt) crashedAt = index
    const crashed = crashedAt !== undefined
    init.onOperation?.({ step: index, method, crashed, ...detail })
    if (crashed) return Promise.reject(new StorageCrashError(index))
    return call()
  }
  return {
    get steps() {
      return steps
    },
    get crashed() {
      return crashedAt !== undefined
    },
    crash() {
      crashedAt ??= steps
    },
    load: (key) => step('load', { key }, () => inner.load(key)),
    save: (key, data) => step('save', { key }, () => inner.save(key, data)),
    remove: (key) => step('remove', { key }, () => inner.remove(key)),
    loadRange: (prefix) => step('loadRange', { key: prefix }, () => inner.loadRange(prefix)),
    removeRange: (prefix) => step('removeRange', { key: prefix }, () => inner.removeRange(prefix)),
    batch: (operations) => step('batch', { operations }, () => inner.batch(operations)),
    close: () => inner.close?.() ?? Promise.resolve(),
  }
}
