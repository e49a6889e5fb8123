/**
 * The SQLite {@link StorageAdapter} for Node: one table of (key BLOB PRIMARY KEY, value BLOB)
 * in a WAL-mode database file, keys in an order-preserving encoding (key-codec.ts) so range
 * reads are index range scans, and atomic batches in one transaction.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { assertKey, assertOperations, type StorageAdapter, type StorageChunk, type StorageKey, type StorageOperation } from '@gossamer/core'
import Database from 'better-sqlite3'
import { SqliteOpenError, SqliteStorageClosedError, SqliteStorageError } from './errors.js'
import { decodeKey, encodeKey, prefixBounds } from './key-codec.js'

/** Options of {@link sqlite}. */
export interface SqliteStorageInit {
  /** The database file (created with its directory when missing), or `':memory:'` for a store that dies with the process. */
  path: string
  /**
   * When a write is acknowledged:
   * - `'full'` (default): after SQLite synced the write-ahead log to disk; survives a power
   *   loss or an OS crash.
   * - `'normal'`: after the write reached the operating system; survives the process being
   *   killed (SIGKILL, a crash), not a power loss. About 7 times faster per write.
   */
  durability?: 'full' | 'normal'
  /** How long a write waits for another process holding the database, in ms. Default 5 000. */
  busyTimeoutMs?: number
}

/** A {@link StorageAdapter} on a SQLite file, made by {@link sqlite}. */
export interface SqliteStorage extends StorageAdapter {
  /** The database file. */
  readonly path: string
  /** Closes the database. Every later call rejects with `SqliteStorageClosedError`. Idempotent. */
  close(): Promise<void>
}

type Row = { key: Uint8Array; value: Uint8Array }

/** A Buffer view of `bytes` (no copy), as better-sqlite3 binds Buffers. */
const bind = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** A plain Uint8Array over what SQLite returned (a fresh buffer per read, so the caller owns it). */
const bytesOf = (value: Uint8Array): Uint8Array => new Uint8Array(value.buffer, value.byteOffset, value.byteLength)

function openDatabase(init: SqliteStorageInit): Database.Database {
  try {
    if (init.path !== ':memory:') mkdirSync(dirname(init.path), { recursive: true })
    const db = new Database(init.path)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${init.durability === 'normal' ? 'NORMAL' : 'FULL'}`)
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(init.busyTimeoutMs ?? 5_000))}`)
    db.exec('CREATE TABLE IF NOT EXISTS gossamer_kv (key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID')
    return db
  } catch (error) {
    throw new SqliteOpenError(`could not open the SQLite database ${init.path}`, init.path, { cause: error })
  }
}

/**
 * A {@link StorageAdapter} on SQLite (better-sqlite3, WAL mode). Keys compare element-wise
 * (`['a','b']` is not a prefix of `['a','bc']`) and `loadRange` returns chunks in key order.
 * `batch` runs every operation in ONE transaction: all of them land, or none. A write is
 * acknowledged once durable (see {@link SqliteStorageInit.durability}). Several processes
 * may open one file (SQLite locks it; writes wait up to `busyTimeoutMs`). Throws a
 * `SqliteOpenError` when the file cannot be opened.
 *
 * @example
 * ```ts
 * import { sqlite } from '@gossamer/storage-node'
 *
 * const storage = sqlite({ path: './data/gossamer.db' })
 * await storage.save(['notes', 'a'], new Uint8Array([1, 2, 3]))
 * const chunks = await storage.loadRange(['notes'])
 * await storage.close()
 * ```
 */
export function sqlite(init: SqliteStorageInit): SqliteStorage {
  const db = openDatabase(init)
  const get = db.prepare<[Buffer], { value: Uint8Array }>('SELECT value FROM gossamer_kv WHERE key = ?')
  const put = db.prepare<[Buffer, Buffer]>('INSERT INTO gossamer_kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
  const del = db.prepare<[Buffer]>('DELETE FROM gossamer_kv WHERE key = ?')
  const all = db.prepare<[], Row>('SELECT key, value FROM gossamer_kv ORDER BY key')
  const range = db.prepare<[Buffer, Buffer], Row>('SELECT key, value FROM gossamer_kv WHERE key >= ? AND key < ? ORDER BY key')
  const delAll = db.prepare<[]>('DELETE FROM gossamer_kv')
  const delRange = db.prepare<[Buffer, Buffer]>('DELETE FROM gossamer_kv WHERE key >= ? AND key < ?')
  let closed = false

  const removeRange = (prefix: StorageKey): void => {
    const bounds = prefixBounds(prefix)
    if (bounds === undefined) delAll.run()
    else delRange.run(bind(bounds.lower), bind(bounds.upper))
  }
  const apply = (op: StorageOperation): void => {
    if (op.type === 'save') put.run(bind(encodeKey(op.key)), bind(op.data))
    else if (op.type === 'remove') del.run(bind(encodeKey(op.key)))
    else removeRange(op.prefix)
  }
  const applyAll = db.transaction((operations: readonly StorageOperation[]) => {
    for (const op of operations) apply(op)
  })

  /** Runs `fn` now (SQLite calls are synchronous); its result or typed error comes back as a promise. */
  const call = <T>(operation: string, validate: () => void, fn: () => T): Promise<T> => {
    if (closed) return Promise.reject(new SqliteStorageClosedError('the SQLite storage is closed'))
    try {
      validate()
    } catch (error) {
      return Promise.reject(error)
    }
    try {
      return Promise.resolve(fn())
    } catch (error) {
      return Promise.reject(new SqliteStorageError(`SQLite ${operation} failed`, operation, { cause: error }))
    }
  }

  return {
    path: init.path,
    load: (key) =>
      call(
        'load',
        () => assertKey(key),
        () => {
          const row = get.get(bind(encodeKey(key)))
          return row === undefined ? undefined : bytesOf(row.value)
        },
      ),
    save: (key, data) =>
      call(
        'save',
        () => assertOperations([{ type: 'save', key, data }]),
        () => void put.run(bind(encodeKey(key)), bind(data)),
      ),
    remove: (key) =>
      call(
        'remove',
        () => assertKey(key),
        () => void del.run(bind(encodeKey(key))),
      ),
    loadRange: (prefix) =>
      call(
        'loadRange',
        () => assertKey(prefix, 'prefix'),
        () => {
          const bounds = prefixBounds(prefix)
          const rows = bounds === undefined ? all.all() : range.all(bind(bounds.lower), bind(bounds.upper))
          const chunks: StorageChunk[] = []
          for (const row of rows) {
            // Rows this adapter did not write (keys it cannot decode) are skipped.
            const key = decodeKey(row.key)
            if (key !== undefined) chunks.push({ key, data: bytesOf(row.value) })
          }
          return chunks
        },
      ),
    removeRange: (prefix) =>
      call(
        'removeRange',
        () => assertKey(prefix, 'prefix'),
        () => removeRange(prefix),
      ),
    batch: (operations) =>
      call(
        'batch',
        () => assertOperations(operations),
        () => {
          if (operations.length > 0) applyAll(operations)
        },
      ),
    async close() {
      if (closed) return
      closed = true
      db.close()
    },
  } satisfies SqliteStorage
}
