/**
 * The IndexedDB {@link StorageAdapter}: one idb-keyval store, `string[]` keys stored as
 * IndexedDB array keys (which compare element-wise), range reads through `IDBKeyRange`, and
 * atomic batches in one readwrite transaction.
 */
import { assertKey, assertOperations, isStorageKey, type StorageAdapter, type StorageChunk, type StorageKey } from '@gossamer/core'
import { createStore, promisifyRequest, type UseStore } from 'idb-keyval'
import { IndexedDBClosedError, IndexedDBUnavailableError } from './errors.js'

/** Options of {@link indexeddb}. */
export interface IndexedDBStorageInit {
  /**
   * The database name. Default `'gossamer'`. idb-keyval creates its object store only when it
   * creates the database, so use one database per `storeName`.
   */
  dbName?: string
  /** The object store name. Default `'gossamer'`. */
  storeName?: string
}

/**
 * The key range of every array key that starts with `prefix`: arrays sort after strings in
 * IndexedDB, so `[...prefix, []]` is above every `[...prefix, string, ...]`.
 */
function prefixRange(prefix: StorageKey): IDBKeyRange {
  return IDBKeyRange.bound([...prefix], [...prefix, []])
}

/** A plain Uint8Array that owns its buffer: structured clone would otherwise store the whole underlying buffer of a view. */
function toStored(data: Uint8Array): Uint8Array {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.constructor === Uint8Array) return data
  return new Uint8Array(data)
}

/** Bytes from a stored value, or undefined for a value this adapter did not write. */
function fromStored(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength))
  return undefined
}

/** Throws {@link IndexedDBUnavailableError} unless this environment has IndexedDB. */
function assertIndexedDB(): void {
  const scope = globalThis as { indexedDB?: unknown; IDBKeyRange?: unknown }
  if (typeof scope.indexedDB === 'object' && scope.indexedDB !== null && typeof scope.IDBKeyRange === 'function') return
  const node = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string'
  throw new IndexedDBUnavailableError(
    node
      ? 'indexeddb(): Node has no IndexedDB. Use sqlite() from @gossamer/storage-node for durable storage in Node (or import "fake-indexeddb/auto" in tests).'
      : 'indexeddb(): IndexedDB is not available here (blocked or unsupported). Use another StorageAdapter, or no storage.',
  )
}

/**
 * A {@link StorageAdapter} on IndexedDB through idb-keyval's `createStore`. Keys are stored
 * as IndexedDB array keys, so they compare element-wise (`['a','b']` is not a prefix of
 * `['a','bc']`) and `loadRange` returns chunks in key order. `batch` runs every write in ONE
 * readwrite transaction: all of them land, or none (a range removal is one request). Values
 * that are not bytes (written by something else) are skipped by `loadRange` and read as
 * absent by `load`. Throws {@link IndexedDBUnavailableError} at once where there is no
 * IndexedDB (in Node, use `sqlite()` from `@gossamer/storage-node`).
 *
 * @example
 * ```ts
 * import { indexeddb } from '@gossamer/storage-idb'
 *
 * const storage = indexeddb({ dbName: 'my-app' })
 * await storage.save(['notes', 'a'], new Uint8Array([1, 2, 3]))
 * const chunks = await storage.loadRange(['notes'])
 * ```
 */
export function indexeddb(init: IndexedDBStorageInit = {}): StorageAdapter {
  assertIndexedDB()
  const store: UseStore = createStore(init.dbName ?? 'gossamer', init.storeName ?? 'gossamer')
  let closed = false
  const use = <T>(mode: IDBTransactionMode, callback: (store: IDBObjectStore) => T | PromiseLike<T>): Promise<T> => {
    if (closed) return Promise.reject(new IndexedDBClosedError('the IndexedDB storage is closed'))
    return store(mode, callback)
  }
  /** Runs `write` in one readwrite transaction and resolves when it commits; aborts it when `write` throws. */
  const write = (fn: (objects: IDBObjectStore) => void): Promise<void> =>
    use('readwrite', (objects) => {
      try {
        fn(objects)
      } catch (error) {
        objects.transaction.abort()
        throw error
      }
      return promisifyRequest(objects.transaction)
    })

  return {
    async load(key) {
      assertKey(key)
      const value = await use('readonly', (objects) => promisifyRequest<unknown>(objects.get([...key])))
      return fromStored(value)
    },
    save(key, data) {
      assertKey(key)
      if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array')
      const stored = toStored(data)
      const storedKey = [...key]
      return write((objects) => void objects.put(stored, storedKey))
    },
    remove(key) {
      assertKey(key)
      return write((objects) => objects.delete([...key]))
    },
    async loadRange(prefix) {
      assertKey(prefix, 'prefix')
      const range = prefixRange(prefix)
      const [keys, values] = await use('readonly', (objects) =>
        Promise.all([promisifyRequest(objects.getAllKeys(range)), promisifyRequest<unknown[]>(objects.getAll(range))]),
      )
      const chunks: StorageChunk[] = []
      keys.forEach((key, index) => {
        const data = fromStored(values[index])
        if (isStorageKey(key) && data !== undefined) chunks.push({ key, data })
      })
      return chunks
    },
    removeRange(prefix) {
      assertKey(prefix, 'prefix')
      const range = prefixRange(prefix)
      return write((objects) => objects.delete(range))
    },
    batch(operations) {
      try {
        assertOperations(operations)
      } catch (error) {
        return Promise.reject(error)
      }
      if (operations.length === 0) return Promise.resolve()
      return write((objects) => {
        for (const op of operations) {
          if (op.type === 'save') objects.put(toStored(op.data), [...op.key])
          else if (op.type === 'remove') objects.delete([...op.key])
          else objects.delete(prefixRange(op.prefix))
        }
      })
    },
    async close() {
      if (closed) return
      await use('readonly', (objects) => objects.transaction.db.close())
      closed = true
    },
  } satisfies StorageAdapter
}
