/**
 * The crash property, for any {@link StorageAdapter}: for a seeded random history of edits,
 * flushes, compactions and event-loop turns on a `DocStore`, and for EVERY step k of its
 * adapter call sequence, the process "dies" at step k (`faultyStorage`: that call and every
 * later one never reach the store); a restart on a fresh adapter over the same disk must
 * load without reporting anything corrupt, and hold every update whose `flush()` resolved
 * before the crash. Each failure names its seed and step.
 */
import { DocStore, faultyStorage, randomInt, seededRandom, systemClock, type CompactionMode, type DocStoreEvent, type RandomSource, type StorageAdapter } from '@gossamer/core'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

/** A disk that outlives processes: each {@link CrashDisk.open} is a new process's adapter onto the same data. */
export interface CrashDisk {
  open(): Promise<StorageAdapter>
}

/** Options of {@link runStorageCrashProperty}. */
export interface StorageCrashPropertyOptions {
  /** Seeds to run (one test each). Default 1000..1005. */
  seeds?: number[]
  /** Deadline of each seed, in ms. Default 120 000. */
  timeoutMs?: number
}

type Op = { type: 'edit' } | { type: 'flush' } | { type: 'compact'; withDoc: boolean } | { type: 'tick' }

interface Scenario {
  seed: number
  ops: Op[]
  compaction: CompactionMode
  compactRecords: number
}

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

const store = (adapter: StorageAdapter, seed: number, options: Partial<ConstructorParameters<typeof DocStore>[0]> = {}): DocStore =>
  new DocStore({ adapter, room: 'crash', random: seededRandom(seed), clock: systemClock(), locks: null, ...options })

/** Runs the scenario on `adapter`; returns the doc state captured at the last flush() that resolved. */
async function run(adapter: StorageAdapter, scenario: Scenario): Promise<Uint8Array | undefined> {
  const docStore = store(adapter, scenario.seed, { compaction: scenario.compaction, compactRecords: scenario.compactRecords })
  const doc = new Y.Doc()
  doc.clientID = 1
  try {
    await docStore.load(doc, docStore)
  } catch {
    return undefined // died while opening
  }
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== docStore) docStore.append(update, { fromDoc: true })
  })
  const random = seededRandom(scenario.seed + 1)
  let durable: Uint8Array | undefined
  for (const [i, op] of scenario.ops.entries()) {
    if (op.type === 'edit') edit(doc, random, i)
    else if (op.type === 'tick') await new Promise<void>((resolve) => setImmediate(resolve))
    else if (op.type === 'compact') await docStore.compact(op.withDoc ? doc : undefined).catch(() => undefined)
    else {
      const state = Y.encodeStateAsUpdate(doc)
      if (await docStore.flush().then(() => true, () => false)) durable = state
    }
  }
  await docStore.close().catch(() => undefined)
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

async function restart(adapter: StorageAdapter): Promise<{ doc: Y.Doc; errors: DocStoreEvent[] }> {
  const errors: DocStoreEvent[] = []
  const docStore = store(adapter, 999, { onEvent: (event) => void (event.type === 'error' && errors.push(event)) })
  const doc = new Y.Doc()
  await docStore.load(doc, docStore)
  await docStore.close()
  return { doc, errors }
}

/**
 * Registers the crash property for an adapter. `createDisk` makes a fresh, empty disk per
 * run; `disk.open()` must return a new adapter onto that disk's data each time (a
 * restarted process). Adapters are closed after use.
 *
 * @example
 * ```ts
 * runStorageCrashProperty('memory', async () => {
 *   const disk = memoryStorage()
 *   return { open: async () => disk }
 * })
 * ```
 */
export function runStorageCrashProperty(name: string, createDisk: () => Promise<CrashDisk>, options: StorageCrashPropertyOptions = {}): void {
  const seeds = options.seeds ?? Array.from({ length: 6 }, (_, i) => 1000 + i)
  describe(`storage crash property: ${name}`, () => {
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
        const first = await createDisk()
        const counting = faultyStorage(await first.open())
        const complete = await run(counting, scenario)
        await counting.close?.()
        const steps = counting.steps
        expect(steps, `seed ${seed}`).toBeGreaterThan(10)
        expect(complete, `seed ${seed}`).toBeDefined()

        for (let k = 0; k <= steps; k++) {
          const disk = await createDisk()
          const dying = faultyStorage(await disk.open(), { failAt: k })
          const durable = await run(dying, scenario)
          await dying.close?.()
          const context = `seed ${seed}, failAt ${k} of ${steps} (${scenario.compaction} compaction, compactRecords ${scenario.compactRecords})`
          const again = await disk.open()
          let recovered: { doc: Y.Doc; errors: DocStoreEvent[] }
          try {
            recovered = await restart(again)
          } catch (error) {
            throw new Error(`${context}: the surviving store does not load`, { cause: error })
          } finally {
            await again.close?.()
          }
          expect(recovered.errors, context).toEqual([])
          if (durable !== undefined) expect(holds(recovered.doc, durable), `${context}: a flushed update was lost`).toBe(true)
          if (k === steps) expect(holds(recovered.doc, complete as Uint8Array), context).toBe(true)
        }
      },
      options.timeoutMs ?? 120_000,
    )
  })
}
