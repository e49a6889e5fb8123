/**
 * The "storage-trusted" scenario: a 10,000-edit document typed in a room WITH a secret
 * (every edit signed into its author's chain) and stored, then reopened many times as a
 * restarted peer would (`createRoom` … `whenLoaded()`, no network). Compared with the same
 * typing in an open room (no secret), and with the trusted room's document alone (a DocStore
 * load of the same store, chains left on disk): what storing and restoring the chains costs,
 * in load time and in bytes. Runs on `memoryStorage()` (pure CPU) and `sqlite()` (a file),
 * each with and without `encryptStorage`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRoom, DocStore, generateRoomSecret, memoryStorage, seededRandom, systemClock, type StorageAdapter } from '@gossamer/core'
import { sqlite } from '@gossamer/storage-node'
import * as Y from 'yjs'
import { collect, median, round, typist } from './common.js'

const ROOM = 'bench-trusted'

/** One configuration and its figures. */
export interface TrustedLoadRun extends Record<string, unknown> {
  adapter: string
  /** `open`: no secret; `trusted`: a secret; `trusted+encrypted`: a secret and `encryptStorage`. */
  room: 'open' | 'trusted' | 'trusted+encrypted'
  edits: number
  /** Values stored under the room after close, and their bytes (identity slots excluded). */
  records: number
  bytes: number
  /** Of which chain records. */
  chainBytes: number
  /** `createRoom` until `whenLoaded()` resolves, in a fresh Y.Doc: median, best, every trial (ms). */
  loadMs: number
  loadMsMin: number
  loadMsAll: number[]
  /** The document alone (a DocStore load of the same store, chains not read back into memory), median ms. */
  docLoadMs: number
  /** Heap growth of one open (after GC), MB: the restored chains' share of memory. */
  heapMB: number
}

interface Backend {
  name: string
  open(): StorageAdapter
  dispose(): Promise<void>
}

async function backend(kind: 'memory' | 'sqlite'): Promise<Backend> {
  if (kind === 'memory') {
    const disk = memoryStorage()
    return { name: 'memoryStorage', open: () => disk, dispose: async () => undefined }
  }
  const dir = await mkdtemp(join(tmpdir(), 'gossamer-bench-trusted-'))
  return { name: 'storage-node (SQLite file)', open: () => sqlite({ path: join(dir, 'bench.db') }), dispose: () => rm(dir, { recursive: true, force: true }) }
}

const options = (room: TrustedLoadRun['room'], secret: string) =>
  room === 'open' ? {} : { secret, ...(room === 'trusted+encrypted' ? { encryptStorage: true } : {}) }

/** Types `edits` edits in a room on `adapter` (a flush every 100), then closes it. */
async function write(adapter: StorageAdapter, room: TrustedLoadRun['room'], secret: string, edits: number, seed: number): Promise<string> {
  const doc = new Y.Doc()
  const r = createRoom({ name: ROOM, doc, transports: [], storage: adapter, presence: false, random: seededRandom(seed), ...options(room, secret) })
  await r.whenLoaded()
  const typing = typist(doc, seed)
  for (let i = 0; i < edits; i++) {
    typing.edit()
    if (i % 100 === 99) await r.flush()
  }
  await r.flush()
  const text = doc.getText('t').toString()
  await r.close()
  return text
}

/** One timed reopen; returns [ms, heap growth MB]. */
async function openOnce(b: Backend, room: TrustedLoadRun['room'], secret: string, expected: string, seed: number): Promise<[number, number]> {
  collect()
  const heap0 = process.memoryUsage().heapUsed
  const adapter = b.open()
  const doc = new Y.Doc()
  const start = performance.now()
  const r = createRoom({ name: ROOM, doc, transports: [], storage: adapter, presence: false, random: seededRandom(seed), ...options(room, secret) })
  await r.whenLoaded()
  const ms = performance.now() - start
  collect()
  const heap = (process.memoryUsage().heapUsed - heap0) / 2 ** 20
  if (doc.getText('t').toString() !== expected) throw new Error(`${b.name} ${room}: the loaded document differs`)
  await r.close()
  if (adapter.close !== undefined && b.name !== 'memoryStorage') await adapter.close()
  return [ms, heap]
}

/** A DocStore load of the same store (the document alone), in ms; unencrypted stores only. */
async function docLoadOnce(b: Backend, expected: string, seed: number): Promise<number> {
  collect()
  const adapter = b.open()
  const start = performance.now()
  const store = new DocStore({ adapter, room: ROOM, random: seededRandom(seed), clock: systemClock(), locks: null })
  const doc = new Y.Doc()
  await store.load(doc, store)
  const ms = performance.now() - start
  if (doc.getText('t').toString() !== expected) throw new Error(`${b.name}: the document differs`)
  await store.close()
  if (adapter.close !== undefined && b.name !== 'memoryStorage') await adapter.close()
  return ms
}

/** Every configuration at `edits` edits, `trials` timed reopens each (after two warm-ups). */
export async function trustedLoad(edits: number, trials: number, seed: number): Promise<TrustedLoadRun[]> {
  const runs: TrustedLoadRun[] = []
  const secret = generateRoomSecret()
  for (const kind of ['memory', 'sqlite'] as const) {
    for (const room of ['open', 'trusted', 'trusted+encrypted'] as const) {
      const b = await backend(kind)
      const expected = await write(b.open(), room, secret, edits, seed)
      const reader = b.open()
      const chunks = (await reader.loadRange(['gossamer', ROOM])).filter((c) => c.key[2] !== 'peers')
      if (reader.close !== undefined && kind !== 'memory') await reader.close()
      const times: number[] = []
      const heaps: number[] = []
      const docTimes: number[] = []
      for (let trial = -2; trial < trials; trial++) {
        const [ms, heap] = await openOnce(b, room, secret, expected, 100 + trial)
        const docMs = room === 'trusted+encrypted' ? Number.NaN : await docLoadOnce(b, expected, 200 + trial)
        if (trial < 0) continue
        times.push(ms)
        heaps.push(heap)
        docTimes.push(docMs)
      }
      runs.push({
        adapter: b.name,
        room,
        edits,
        records: chunks.length,
        bytes: chunks.reduce((sum, c) => sum + c.data.byteLength, 0),
        chainBytes: chunks.filter((c) => c.key[2] === 'chain').reduce((sum, c) => sum + c.data.byteLength, 0),
        loadMs: round(median(times)),
        loadMsMin: round(Math.min(...times)),
        loadMsAll: times.map((v) => round(v)),
        docLoadMs: room === 'trusted+encrypted' ? Number.NaN : round(median(docTimes)),
        heapMB: round(median(heaps)),
      })
      console.log(JSON.stringify(runs[runs.length - 1]))
      await b.dispose()
    }
  }
  return runs
}
