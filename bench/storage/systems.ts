/**
 * The two persistence systems under test, behind one small interface, both on IndexedDB
 * (fake-indexeddb in Node): Gossamer's DocStore on `indexeddb()`, and y-indexeddb's
 * IndexeddbPersistence. Also counts every IndexedDB write request, whoever makes it.
 */
import { DocStore, systemClock, systemRandom, type StorageAdapter } from '@gossamer/core'
import { indexeddb } from '@gossamer/storage-idb'
import { IndexeddbPersistence, storeState } from 'y-indexeddb'
import * as Y from 'yjs'

/** A document opened with persistence attached. */
export interface Opened {
  /** Resolves once every update made so far is stored. */
  durable(): Promise<void>
  close(): Promise<void>
}

/** One persistence system. */
export interface System {
  name: string
  /** Opens `doc` from database `dbName`; resolves when the stored state is loaded. */
  open(dbName: string, doc: Y.Doc): Promise<Opened>
  /** Records and bytes the system keeps for the document. */
  stored(dbName: string): Promise<{ records: number; bytes: number }>
}

const ROOM = 'bench'

/** Counts IndexedDB write requests (put, add, delete, clear) made through the global IDBObjectStore. */
export function countIdbWrites(): { readonly count: number } {
  const proto = (globalThis as unknown as { IDBObjectStore: { prototype: Record<string, unknown> } }).IDBObjectStore.prototype
  const counter = { count: 0 }
  for (const method of ['put', 'add', 'delete', 'clear']) {
    const original = proto[method] as (...args: unknown[]) => unknown
    proto[method] = function (this: unknown, ...args: unknown[]) {
      counter.count++
      return original.apply(this, args)
    }
  }
  return counter
}

function promisify<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

/**
 * Gossamer: DocStore on `indexeddb()`. By default one adapter (one IndexedDB connection) per
 * open, like y-indexeddb; `shared` reuses one adapter per database, as an app that keeps one
 * `indexeddb()` for all its documents does.
 */
export function gossamer(options: { shared?: boolean; compactRecords?: number } = {}): System {
  const adapters = new Map<string, StorageAdapter>()
  const adapterFor = (dbName: string): StorageAdapter => {
    if (options.shared !== true) return indexeddb({ dbName })
    let adapter = adapters.get(dbName)
    if (adapter === undefined) adapters.set(dbName, (adapter = indexeddb({ dbName })))
    return adapter
  }
  return {
    name: `${options.shared === true ? 'Gossamer (shared adapter)' : 'Gossamer'}${options.compactRecords === undefined ? '' : ` (compactRecords ${options.compactRecords})`}`,
    async open(dbName, doc) {
      const adapter = adapterFor(dbName)
      const store = new DocStore({
        adapter,
        room: ROOM,
        random: systemRandom(),
        clock: systemClock(),
        locks: null,
        ...(options.compactRecords === undefined ? {} : { compactRecords: options.compactRecords }),
      })
      await store.load(doc, store)
      const onUpdate = (update: Uint8Array, origin: unknown): void => {
        if (origin !== store) store.append(update, { fromDoc: true })
      }
      doc.on('update', onUpdate)
      return {
        durable: () => store.flush(),
        async close() {
          doc.off('update', onUpdate)
          await store.close()
          if (options.shared !== true) await adapter.close?.()
        },
      }
    },
    async stored(dbName) {
      const adapter: StorageAdapter = indexeddb({ dbName })
      const chunks = (await adapter.loadRange(['gossamer', ROOM])).filter((c) => c.key[2] === 'snapshot' || c.key[2] === 'log' || c.key[2] === 'bundle')
      await adapter.close?.()
      return { records: chunks.length, bytes: chunks.reduce((sum, c) => sum + c.data.byteLength, 0) }
    },
  }
}

/**
 * y-indexeddb 9: IndexeddbPersistence, one per open. It trims its log (one state record)
 * 1000 ms after its 500th update, once updates pause. The bench types without pauses, but on
 * a loaded machine a slow event-loop turn can let that timer fire mid-burst; `deferTrim`
 * pushes the timer out so the stored state is the one a session closed within a second of
 * its last edit leaves (deterministically). {@link trimYIndexeddb} then measures the trimmed state.
 */
export function yIndexeddb(options: { deferTrim?: boolean } = {}): System {
  return {
    name: 'y-indexeddb',
    async open(dbName, doc) {
      const persistence = new IndexeddbPersistence(dbName, doc)
      if (options.deferTrim === true) persistence._storeTimeout = 24 * 3600 * 1000
      await persistence.whenSynced
      return {
        // IndexedDB runs readwrite transactions on one store in order: when a later one
        // completes, every update y-indexeddb queued before it is stored.
        durable: () =>
          new Promise<void>((resolve, reject) => {
            const db = persistence.db
            if (db === null) return resolve()
            const tx = db.transaction(['updates'], 'readwrite')
            tx.oncomplete = () => resolve()
            tx.onerror = () => reject(tx.error)
          }),
        close: () => persistence.destroy(),
      }
    },
    async stored(dbName) {
      const db = await promisify(indexedDB.open(dbName))
      const values = await promisify(db.transaction(['updates'], 'readonly').objectStore('updates').getAll())
      db.close()
      return { records: values.length, bytes: values.reduce((sum: number, v: Uint8Array) => sum + v.byteLength, 0) }
    },
  }
}

/**
 * Runs y-indexeddb's own trim (`storeState`: one state record replaces the log), what its
 * debounce does 1000 ms after the 500th update once typing pauses, and waits until stored.
 */
export async function trimYIndexeddb(dbName: string): Promise<void> {
  const doc = new Y.Doc()
  const persistence = new IndexeddbPersistence(dbName, doc)
  await persistence.whenSynced
  await storeState(persistence, true)
  // storeState does not return its inner writes; a later readwrite transaction completes after them.
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve, reject) => {
      const tx = (persistence.db as IDBDatabase).transaction(['updates'], 'readwrite')
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error)
    })
  }
  await persistence.destroy()
}


/**
 * Not a persistence system: the floor under any of them. Each update is one raw IndexedDB
 * `put` (a key shaped like Gossamer's log keys) in its own readwrite transaction, with no
 * queue, no validation and no compaction; `durable()` waits for the last one to commit. A
 * store that makes each awaited edit durable cannot do less than this per edit.
 */
export function rawPutFloor(): System {
  return {
    name: 'one raw put per edit (floor)',
    async open(dbName, doc) {
      const request = indexedDB.open(dbName, 1)
      request.onupgradeneeded = () => void request.result.createObjectStore('raw')
      const db = await promisify(request)
      let last: Promise<void> = Promise.resolve()
      let seq = 0
      const onUpdate = (update: Uint8Array): void => {
        const tx = db.transaction('raw', 'readwrite')
        tx.objectStore('raw').put(update, ['gossamer', ROOM, 'log', 'floor.0.0', String(seq++).padStart(10, '0')])
        last = new Promise<void>((resolve, reject) => {
          tx.oncomplete = () => resolve()
          tx.onerror = () => reject(tx.error)
        })
      }
      doc.on('update', onUpdate)
      return {
        durable: () => last,
        async close() {
          doc.off('update', onUpdate)
          await last
          db.close()
        },
      }
    },
    async stored(dbName) {
      const db = await promisify(indexedDB.open(dbName))
      const values = await promisify(db.transaction(['raw'], 'readonly').objectStore('raw').getAll())
      db.close()
      return { records: values.length, bytes: values.reduce((sum: number, v: Uint8Array) => sum + v.byteLength, 0) }
    },
  }
}
