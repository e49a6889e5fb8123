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
  /** A new adapter and DocStore loading the room into a fresh Y.Doc: median, best, every trial (ms). */
  loadMs: number
  loadMsMin: number
  loadMsAll: number[]
  /** The adapter's part alone: `loadRange` of the room, median ms. */
  readMs: number
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

/** One timed load by a new adapter and DocStore; returns [load ms, read ms]. */
async function loadOnce(backend: Backend, room: string, expected: string, seed: number): Promise<[number, number]> {
  collect()
  const adapter = backend.open()
  const read0 = performance.now()
  await adapter.loadRange(['gossamer', room])
  const readMs = performance.now() - read0
  await adapter.close?.()
  collect()
  const again = backend.open()
  const start = performance.now()
  const store = new DocStore({ adapter: again, room, random: seededRandom(seed), clock: systemClock(), locks: null })
  const doc = new Y.Doc()
  await store.load(doc, store)
  const ms = performance.now() - start
  if (doc.getText('t').toString() !== expected) throw new Error(`${backend.name}: the loaded document differs`)
  await store.close()
  await again.close?.()
  return [ms, readMs]
}

/**
 * Loads of an `edits`-edit history on both adapters, in both states. Trials alternate between
 * the adapters (after two warm-up rounds), so a burst of load from elsewhere hits both.
 */
export async function nodeLoad(edits: number, trials: number, seed: number): Promise<NodeLoadRun[]> {
  const all = await backends()
  const runs: NodeLoadRun[] = []
  for (const state of ['closed', 'killed'] as const) {
    const room = `${ROOM}-${state}`
    const expected: string[] = []
    const sizes: { records: number; bytes: number }[] = []
    for (const backend of all) {
      const writer = backend.open()
      expected.push(await write(writer, room, edits, seed, state === 'killed'))
      const chunks = (await writer.loadRange(['gossamer', room])).filter((c) => c.key[2] !== 'peers')
      sizes.push({ records: chunks.length, bytes: chunks.reduce((sum, c) => sum + c.data.byteLength, 0) })
      await writer.close?.()
    }
    const times: number[][] = all.map(() => [])
    const reads: number[][] = all.map(() => [])
    for (let trial = -2; trial < trials; trial++) {
      for (const [i, backend] of all.entries()) {
        const [ms, readMs] = await loadOnce(backend, room, expected[i] as string, 100 + trial)
        if (trial < 0) continue
        ;(times[i] as number[]).push(ms)
        ;(reads[i] as number[]).push(readMs)
      }
    }
    for (const [i, backend] of all.entries()) {
      const t = times[i] as number[]
      runs.push({
        adapter: backend.name,
        state,
        edits,
        ...(sizes[i] as { records: number; bytes: number }),
        loadMs: round(median(t)),
        loadMsMin: round(Math.min(...t)),
        loadMsAll: t.map((v) => round(v)),
        readMs: round(median(reads[i] as number[])),
      })
    }
  }
  for (const backend of all) await backend.dispose()
  return runs
}
