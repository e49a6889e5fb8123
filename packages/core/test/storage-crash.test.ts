/**
 * The crash property: for a seeded random history of edits, flushes and compactions, and for
 * EVERY step k of its adapter call sequence, the process "dies" at step k (faultyStorage);
 * a restart on the surviving store must load, and hold every update whose flush() resolved
 * before the crash.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { systemClock } from '../src/clock.js'
import { randomInt, seededRandom, type RandomSource } from '../src/random.js'
import type { StorageAdapter } from '../src/storage/adapter.js'
import { DocStore, type CompactionMode, type DocStoreEvent } from '../src/storage/doc-store.js'
import { faultyStorage, memoryStorage } from '../src/storage/memory-adapter.js'

type Op = { type: 'edit' } | { type: 'flush' } | { type: 'compact'; withDoc: boolean } | { type: 'tick' }

function script(random: RandomSource, length: number): Op[] {
  const ops: Op[] = []
  for (let i = 0; i < length; i++) {
    const roll = random.next()
    if (roll < 0.6) ops.push({ type: 'edit' })
    else if (roll < 0.85) ops.push({ type: 'flush' })
    else if (roll < 0.93) ops.push({ type: 'tick' })
    else ops.push({ type: 'compact', withDoc: random.next() < 0.5 })
  }
  ops.push({ type: 'flush' })
  return ops
}

function edit(doc: Y.Doc, random: RandomSource, i: number): void {
  const text = doc.getText('t')
  const roll = random.next()
  if (roll < 0.3 && text.length > 0) text.delete(randomInt(random, text.length), 1 + randomInt(random, 3))
  else if (roll < 0.5) doc.getMap('m').set(`k${randomInt(random, 5)}`, i)
  else text.insert(randomInt(random, text.length + 1), `w${i} `)
}

interface Scenario {
  seed: number
  ops: Op[]
  compaction: CompactionMode
  compactRecords: number
}

/** Runs the scenario on `adapter`; returns the doc state captured at the last flush() that resolved. */
async function run(adapter: StorageAdapter, scenario: Scenario): Promise<Uint8Array | undefined> {
  const store = new DocStore({
    adapter,
    room: 'crash',
    random: seededRandom(scenario.seed),
    clock: systemClock(),
    locks: null,
    compaction: scenario.compaction,
    compactRecords: scenario.compactRecords,
  })
  const doc = new Y.Doc()
  doc.clientID = 1
  try {
    await store.load(doc, store)
  } catch {
    return undefined // died while opening
  }
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== store) store.append(update)
  })
  const random = seededRandom(scenario.seed + 1)
  let durable: Uint8Array | undefined
  for (const [i, op] of scenario.ops.entries()) {
    if (op.type === 'edit') edit(doc, random, i)
    else if (op.type === 'tick') await Promise.resolve()
    else if (op.type === 'compact') await store.compact(op.withDoc ? doc : undefined).catch(() => undefined)
    else {
      const state = Y.encodeStateAsUpdate(doc)
      const ok = await store.flush().then(
        () => true,
        () => false,
      )
      if (ok) durable = state
    }
  }
  await store.close().catch(() => undefined)
  return durable
}

/** True when applying `update` to a copy of `doc` changes neither its content nor its snapshot (state vector + delete set). */
function holds(doc: Y.Doc, update: Uint8Array): boolean {
  const probe = new Y.Doc()
  Y.applyUpdate(probe, Y.encodeStateAsUpdate(doc))
  const view = (): string =>
    JSON.stringify([probe.getText('t').toString(), Object.entries(probe.getMap('m').toJSON()).sort(([a], [b]) => (a < b ? -1 : 1))])
  const before = { view: view(), snapshot: Y.snapshot(probe) }
  Y.applyUpdate(probe, update)
  return before.view === view() && Y.equalSnapshots(before.snapshot, Y.snapshot(probe))
}

async function restart(disk: StorageAdapter): Promise<{ doc: Y.Doc; errors: DocStoreEvent[] }> {
  const errors: DocStoreEvent[] = []
  const store = new DocStore({
    adapter: disk,
    room: 'crash',
    random: seededRandom(999),
    clock: systemClock(),
    locks: null,
    onEvent: (event) => {
      if (event.type === 'error') errors.push(event)
    },
  })
  const doc = new Y.Doc()
  await store.load(doc, store)
  await store.close()
  return { doc, errors }
}

describe('DocStore crash safety', () => {
  const seeds = Array.from({ length: 12 }, (_, i) => 1000 + i)
  it.each(seeds)(
    'seed %i: a crash at every step loses no flushed update and leaves a store that loads',
    async (seed) => {
      const random = seededRandom(seed)
      const scenario: Scenario = {
        seed,
        ops: script(random, 50 + randomInt(random, 30)),
        compaction: seed % 2 === 0 ? 'doc' : 'merge',
        compactRecords: 2 + randomInt(random, 4),
      }
      // A run without a crash counts the steps.
      const counter = faultyStorage(memoryStorage())
      const complete = await run(counter, scenario)
      const steps = counter.steps
      expect(steps).toBeGreaterThan(10)
      expect(complete).toBeDefined()

      for (let k = 0; k <= steps; k++) {
        const disk = memoryStorage()
        const durable = await run(faultyStorage(disk, { failAt: k }), scenario)
        const context = `seed ${seed}, failAt ${k} of ${steps} (${scenario.compaction} compaction, compactRecords ${scenario.compactRecords})`
        let recovered: { doc: Y.Doc; errors: DocStoreEvent[] }
        try {
          recovered = await restart(disk)
        } catch (error) {
          throw new Error(`${context}: the surviving store does not load`, { cause: error })
        }
        expect(recovered.errors, context).toEqual([])
        if (durable !== undefined) expect(holds(recovered.doc, durable), `${context}: a flushed update was lost`).toBe(true)
        if (k === steps) expect(holds(recovered.doc, complete as Uint8Array), context).toBe(true)
      }
    },
    60_000,
  )
})
