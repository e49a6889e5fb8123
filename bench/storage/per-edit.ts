/**
 * The "per-edit durable" scenario: an app that awaits durability after every edit, as
 * y-indexeddb's users do (`await` a write after each change). Each edit is one Yjs
 * transaction followed by `durable()` (Gossamer: `DocStore.flush()`; y-indexeddb: a later
 * readwrite transaction completing); its latency runs from before the edit until durable.
 *
 * The two systems run side by side on the same load: their documents advance in alternating
 * blocks of {@link BLOCK} edits (which system goes first alternates too), so a burst of load
 * from other processes hits both. Throughput is edits ÷ the time spent in that system's blocks;
 * CPU time per edit (this process's user + system time over those blocks) is reported too, as
 * it depends much less on what else runs on the machine.
 */
import * as Y from 'yjs'
import { collect, quantile, round, typist, freshDb } from './common.js'
import type { Opened, System } from './systems.js'

/** Edits per block before the other system runs. */
export const BLOCK = 100
/** Slices of each run reported separately, to show whether the cost grows with the document. */
const SLICES = 10

/** One slice of a run. */
export interface Slice extends Record<string, unknown> {
  /** Edits made when the slice ends. */
  upTo: number
  editsPerSec: number
  p99Ms: number
}

/** One system at one document size. */
export interface PerEditRun extends Record<string, unknown> {
  system: string
  edits: number
  editsPerSec: number
  /** CPU time of this process per edit, in µs (garbage collection included). */
  cpuUsPerEdit: number
  meanMs: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
  slices: Slice[]
}

interface Live {
  system: System
  doc: Y.Doc
  opened: Opened
  edit: () => void
  latencies: Float64Array
  spentMs: number
  cpuUs: number
  done: number
}

function summarize(live: Live, edits: number): PerEditRun {
  const all = Array.from(live.latencies.subarray(0, edits))
  const sorted = [...all].sort((a, b) => a - b)
  const sliceSize = Math.max(1, Math.floor(edits / SLICES))
  const slices: Slice[] = []
  for (let start = 0; start < edits; start += sliceSize) {
    const part = all.slice(start, start + sliceSize)
    const ms = part.reduce((sum, v) => sum + v, 0)
    slices.push({ upTo: start + part.length, editsPerSec: Math.round((part.length / ms) * 1000), p99Ms: round(quantile([...part].sort((a, b) => a - b), 0.99), 3) })
  }
  return {
    system: live.system.name,
    edits,
    editsPerSec: Math.round((edits / live.spentMs) * 1000),
    cpuUsPerEdit: round(live.cpuUs / edits, 1),
    meanMs: round(live.spentMs / edits, 4),
    p50Ms: round(quantile(sorted, 0.5), 4),
    p90Ms: round(quantile(sorted, 0.9), 4),
    p99Ms: round(quantile(sorted, 0.99), 3),
    p999Ms: round(quantile(sorted, 0.999), 3),
    maxMs: round(sorted[sorted.length - 1] ?? Number.NaN, 2),
    slices,
  }
}

/** Runs `BLOCK` edits (or what is left) of `live`, each awaited until durable. */
async function block(live: Live, edits: number): Promise<void> {
  const end = Math.min(edits, live.done + BLOCK)
  const cpu = process.cpuUsage()
  const start = performance.now()
  for (let i = live.done; i < end; i++) {
    const t0 = performance.now()
    live.edit()
    await live.opened.durable()
    live.latencies[i] = performance.now() - t0
  }
  live.spentMs += performance.now() - start
  const used = process.cpuUsage(cpu)
  live.cpuUs += used.user + used.system
  live.done = end
}

/** Runs every system on a fresh document of `edits` per-edit durable writes, interleaved; returns one run per system. */
export async function perEdit(systems: readonly System[], edits: number, seed: number): Promise<PerEditRun[]> {
  const lives: Live[] = []
  for (const system of systems) {
    const doc = new Y.Doc()
    const opened = await system.open(freshDb(`${system.name.replace(/\W+/g, '')}-per-edit-${edits}`), doc)
    const typing = typist(doc, seed)
    lives.push({ system, doc, opened, edit: () => typing.edit(), latencies: new Float64Array(edits), spentMs: 0, cpuUs: 0, done: 0 })
  }
  collect()
  for (let round = 0; lives.some((live) => live.done < edits); round++) {
    const order = round % 2 === 0 ? lives : [...lives].reverse()
    for (const live of order) await block(live, edits)
  }
  const texts = new Set(lives.map((live) => live.doc.getText('t').toString()))
  if (texts.size !== 1) throw new Error('per-edit: the systems typed different documents')
  const runs = lives.map((live) => summarize(live, edits))
  for (const live of lives) await live.opened.close()
  return runs
}
