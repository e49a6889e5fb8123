/**
 * The "quick open/close" scenario: a room (`createRoom` with `indexeddb()` storage, no
 * transport) opens a 10,000-edit document and is closed as soon as the text has loaded
 * (from the document's own update event, while the load is still running), many times over.
 * Node has no Web Locks, so identities are guarded by leases alone. Measures the records and
 * identities stored before and after, and the IndexedDB writes (document records vs identity
 * leases) per open. A second series closes each room once `whenLoaded()` resolved, after it
 * claimed its identity.
 */
import { createRoom, type StorageAdapter } from '@gossamer/core'
import { indexeddb } from '@gossamer/storage-idb'
import * as Y from 'yjs'
import { freshDb, round, typist } from './common.js'

const ROOM = 'bench-open-close'

/** What {@link openClose} measured. */
export interface OpenCloseResult extends Record<string, unknown> {
  when: CloseWhen
  cycles: number
  docEdits: number
  recordsBefore: number
  recordsAfter: number
  identitiesBefore: number
  identitiesAfter: number
  leasesAfter: number
  /** Bytes of every record before and after are identical. */
  unchanged: boolean
  /** Writes to the document's keys (log, bundles, snapshots) over every cycle. */
  documentWrites: number
  /** Writes to identity keys (a lease and the record at claim; both again at release), per cycle. */
  identityWritesPerOpen: number
  errors: string[]
  totalMs: number
  perOpenMs: number
}

interface Counted {
  adapter: StorageAdapter
  documentWrites: number
  identityWrites: number
}

/** `inner` with every written key classified (document or identity). */
function counting(inner: StorageAdapter): Counted {
  const counted: Counted = { adapter: inner, documentWrites: 0, identityWrites: 0 }
  const note = (key: readonly string[]): void => {
    if (key[1] === 'identity') counted.identityWrites++
    else counted.documentWrites++
  }
  counted.adapter = {
    load: (key) => inner.load(key),
    loadRange: (prefix) => inner.loadRange(prefix),
    save: (key, data) => (note(key), inner.save(key, data)),
    remove: (key) => (note(key), inner.remove(key)),
    removeRange: (prefix) => (note(prefix), inner.removeRange(prefix)),
    batch: (operations) => {
      for (const op of operations) note(op.type === 'removeRange' ? op.prefix : op.key)
      return inner.batch(operations)
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  }
  return counted
}

async function dump(adapter: StorageAdapter): Promise<string[]> {
  return (await adapter.loadRange([])).map((chunk) => `${JSON.stringify(chunk.key)} ${Buffer.from(chunk.data).toString('base64')}`)
}

/** When a cycle closes its room: from inside the load once the text is in, or once `whenLoaded()` resolved (identity claimed). */
export type CloseWhen = 'text-loaded' | 'when-loaded'

/** One room opened on `adapter` and closed as `when` says. */
async function cycle(adapter: StorageAdapter, expected: string, errors: string[], when: CloseWhen): Promise<void> {
  const doc = new Y.Doc()
  let closing: Promise<void> | undefined
  const room = createRoom({ name: ROOM, doc, transports: [], storage: adapter })
  room.on('error', ({ error }) => void errors.push(`${error.name}: ${error.message}`))
  doc.on('update', () => {
    if (when === 'text-loaded' && doc.getText('t').toString() === expected) closing ??= room.close()
  })
  await room.whenLoaded().catch(() => undefined) // rejects when closed while loading: expected here
  closing ??= room.close()
  await closing
}

/** Runs `cycles` open/close cycles of a `docEdits`-edit document on one `indexeddb()` database. */
export async function openClose(cycles: number, docEdits: number, seed: number, when: CloseWhen): Promise<OpenCloseResult> {
  const dbName = freshDb('open-close')
  const storage = indexeddb({ dbName })
  // The document, written once by a room that closes normally (one snapshot, one identity).
  const doc = new Y.Doc()
  const writer = createRoom({ name: ROOM, doc, transports: [], storage })
  await writer.whenLoaded()
  const typing = typist(doc, seed)
  for (let i = 0; i < docEdits; i++) typing.edit()
  await writer.flush()
  await writer.close()
  const expected = doc.getText('t').toString()

  const identitiesOf = (lines: readonly string[]): number => lines.filter((line) => /^\["gossamer","identity","[^"]+"\] /.test(line)).length
  const before = await dump(storage)
  const counted = counting(storage)
  const errors: string[] = []
  const start = performance.now()
  for (let i = 0; i < cycles; i++) await cycle(counted.adapter, expected, errors, when)
  const totalMs = performance.now() - start
  const after = await dump(storage)
  await storage.close?.()
  return {
    when,
    cycles,
    docEdits,
    recordsBefore: before.length,
    recordsAfter: after.length,
    identitiesBefore: identitiesOf(before),
    identitiesAfter: identitiesOf(after),
    leasesAfter: after.filter((line) => line.includes('"lease"')).length,
    unchanged: JSON.stringify(before) === JSON.stringify(after),
    documentWrites: counted.documentWrites,
    identityWritesPerOpen: round(counted.identityWrites / cycles, 2),
    errors: [...new Set(errors)],
    totalMs: round(totalMs, 1),
    perOpenMs: round(totalMs / cycles, 3),
  }
}
