/**
 * @packageDocumentation
 * Durable storage for Gossamer peers in Node: `sqlite(init)` returns a `StorageAdapter`
 * (core's byte-oriented storage seam) on a SQLite file through better-sqlite3, with
 * element-wise ordered `string[]` keys, range reads and atomic batches. Core's storage layer
 * (`DocStore`, used by rooms) decides what the keys mean: update log, compaction, identities.
 *
 * @example
 * ```ts
 * import * as Y from 'yjs'
 * import { createRoom } from '@gossamer/core'
 * import { sqlite } from '@gossamer/storage-node'
 *
 * const doc = new Y.Doc()
 * const room = createRoom({ name: 'notes', doc, transports: [], storage: sqlite({ path: './data/notes.db' }) })
 * await room.whenLoaded() // the stored document is in `doc`
 * doc.getText('t').insert(0, 'hello')
 * await room.flush() // durable
 * await room.close()
 * ```
 */
export { sqlite } from './sqlite.js'
export type { SqliteStorage, SqliteStorageInit } from './sqlite.js'
export { SqliteOpenError, SqliteStorageError, SqliteStorageClosedError } from './errors.js'
