/**
 * The "storage-node load" scenario: a 100,000-edit history stored through a DocStore on
 * `sqlite()` (@gossamer/storage-node, a real file) and on `indexeddb()` (fake-indexeddb),
 * then loaded into a fresh Y.Doc many times: as its writer leaves it after `close()` (one
 * snapshot), and as a writer killed mid-session leaves it (log records and bundles, never
 * compacted).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DocStore, seededRandom, systemClock, type StorageAdapter } from '@gossamer/core'
import { indexeddb } from '@gossamer/storage-idb'
import { sqlite } from '@gossamer/storage-node'
import * as Y from 'yjs'
import { collect, freshDb, median, round, typist } from './common.js'

const ROOM = 'bench'

/** One adapter and one stored state. */
export interface NodeLoadRun extends Record<string, unknown> {
  adapter: string
  state: 'closed' | 'killed'
  edits: number
  records: number
  bytes: number
  loadMs: number
  loadMsMin: number
  loadMsAll: number[]
}

interface Backend {
  name: string
  /** A new adapter on the same data each call (a new process). */
  open(): StorageAdapter
  dispose(): Promise<void>
}

async function backends(): Promise<Backend[]> {
  const dir = await mkdtemp(join(tmpdir(), 'gossamer-bench-node-'))
  const dbName = freshDb('node-load')
  return [
    { name: 'storage-node (SQLite file)', open: () => sqlite({ path: join(dir, 'bench.db') }), dispose: () => rm(dir, { recursive: true, force: true }) },
    { name: 'storage-idb (fake-indexeddb)', open: () => indexeddb({ dbName }), dispose: async () => undefined },
  ]
}

/** Writes `edits` edits (a flush every 100) into `room`; closes the store unless `kill`. */
async function write(adapter: StorageAdapter, room: string, edits: number, seed: number, kill: boolean): Promise<string> {
  const store = new DocStore({ adapter, room, random: seededRandom(seed), clock: systemClock(), locks: null })
  const doc = new Y.Doc()
  await store.load(doc, store)
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== store) store.append(update, { fromDoc: true })
  })
  const typing = typist(doc, seed)
  for (let i = 0; i < edits; i++) {
    typing.edit()
    if (i % 100 === 99) await store.flush()
  }
  await store.flush()
  if (!kill) await store.close()
  return doc.getText('t').toString()
}

interface Measured {
  records: number
  bytes: number
  loadMs: number
  loadMsMin: number
  loadMsAll: number[]
}

async function measure(backend: Backend, room: string, expected: string, trials: number): Promise<Measured> {
  const probe = backend.open()
  const chunks = (await probe.loadRange(['gossamer', room])).filter((c) => c.key[2] !== 'peers')
  await probe.close?.()
  const times: number[] = []
  for (let trial = -2; trial < trials; trial++) {
    collect()
    const adapter = backend.open()
    const start = performance.now()
    const store = new DocStore({ adapter, room, random: seededRandom(100 + trial), clock: systemClock(), locks: null })
    const doc = new Y.Doc()
    await store.load(doc, store)
    const ms = performance.now() - start
    if (doc.getText('t').toString() !== expected) throw new Error(`${backend.name}: the loaded document differs`)
    await store.close()
    await adapter.close?.()
    if (trial >= 0) times.push(ms)
  }
  return {
    records: chunks.length,
    bytes: chunks.reduce((sum, c) => sum + c.data.byteLength, 0),
    loadMs: round(median(times)),
    loadMsMin: round(Math.min(...times)),
    loadMsAll: times.map((t) => round(t)),
  }
}

/** Loads of an `edits`-edit history on both adapters, in both states. */
export async function nodeLoad(edits: number, trials: number, seed: number): Promise<NodeLoadRun[]> {
  const runs: NodeLoadRun[] = []
  for (const backend of await backends()) {
    for (const state of ['closed', 'killed'] as const) {
      const room = `${ROOM}-${state}`
      const writer = backend.open()
      const expected = await write(writer, room, edits, seed, state === 'killed')
      await writer.close?.()
      runs.push({ adapter: backend.name, state, edits, ...(await measure(backend, room, expected, trials)) })
    }
    await backend.dispose()
  }
  return runs
}
