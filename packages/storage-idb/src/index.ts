/**
 * @packageDocumentation
 * IndexedDB persistence for Gossamer: a byte-oriented `StorageAdapter` (core's storage seam) on idb-keyval.
 * Core's storage layer decides what keys mean (update log, atomic compaction, peer
 * identity); this package only moves bytes, so every peer in a browser is offline-first.
 *
 * @example
 * ```ts
 * import * as Y from 'yjs'
 * import { DocStore, systemClock, systemRandom } from '@gossamer/core'
 * import { indexeddb } from '@gossamer/storage-idb'
 *
 * const doc = new Y.Doc()
 * const store = new DocStore({ adapter: indexeddb(), room: 'notes', random: systemRandom(), clock: systemClock() })
 * await store.load(doc, store) // offline-first: the last saved state, before any peer answers
 * doc.on('update', (update, origin) => {
 *   if (origin !== store) store.append(update, { fromDoc: true })
 * })
 * ```
 */
export { indexeddb } from './indexeddb.js'
export type { IndexedDBStorageInit } from './indexeddb.js'
export { IndexedDBUnavailableError, IndexedDBClosedError } from './errors.js'
