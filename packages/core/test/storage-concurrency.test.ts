/**
 * Two DocStores (two tabs) on one adapter, appending and compacting concurrently, with
 * seeded random delays around every adapter call: no append is ever lost and neither store
 * damages the other. Every failure names its seed.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { systemClock } from '../src/clock.js'
import { randomInt, seededRandom, type RandomSource } from '../src/random.js'
import type { StorageAdapter } from '../src/storage/adapter.js'
import { DocStore, type CompactionMode, type DocStoreEvent } from '../src/storage/doc-store.js'
import { memoryStorage } from '../src/storage/memory-adapter.js'

/** Yields to the event loop `turns` times (macrotasks, no timers). */
async function yieldTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** Delays each call by a random number of turns before and after it reaches `inner`, so calls of two stores interleave. */
function jittered(inner: StorageAdapter, random: RandomSource): StorageAdapter {
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await yieldTurns(randomInt(random, 3))
      const result = await fn(...args)
      await yieldTurns(randomInt(random, 3))
      return result
    }
  return {
    load: wrap(inner.load),
    save: wrap(inner.save),
    remove: wrap(inner.remove),
    loadRange: wrap(inner.loadRange),
    removeRange: wrap(inner.removeRange),
    batch: wrap(inner.batch),
  }
}

interface Tab {
  store: DocStore
  doc: Y.Doc
  events: DocStoreEvent[]
}

async function openTab(adapter: StorageAdapter, seed: number, compaction: CompactionMode, compactRecords: number): Promise<Tab> {
  const events: DocStoreEvent[] = []
  const store = new DocStore({
    adapter,
    room: 'shared',
    random: seededRandom(seed),
    clock: systemClock(),
    locks: null,
    compaction,
    compactRecords,
    onEvent: (event) => events.push(event),
  })
  const doc = new Y.Doc()
  doc.clientID = seed // deterministic: merge order depends on clientIDs
  await store.load(doc, store)
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== store) store.append(update)
  })
  return { store, doc, events }
}

/** Content of a doc, independent of the order in which map keys were integrated. */
const view = (doc: Y.Doc): string =>
  JSON.stringify([doc.getText('t').toString(), Object.entries(doc.getMap('m').toJSON()).sort(([a], [b]) => (a < b ? -1 : 1))])

describe('two DocStores on one adapter', () => {
  const seeds = Array.from({ length: 16 }, (_, i) => 7000 + i)
  it.each(seeds)(
    'seed %i: concurrent appends and compactions lose nothing',
    async (seed) => {
      const random = seededRandom(seed)
      const disk = memoryStorage()
      const compaction: CompactionMode = seed % 2 === 0 ? 'doc' : 'merge'
      const tabs = [
        await openTab(jittered(disk, seededRandom(seed + 1)), seed + 10, compaction, 2 + randomInt(random, 5)),
        await openTab(jittered(disk, seededRandom(seed + 2)), seed + 20, compaction, 2 + randomInt(random, 5)),
      ]
      const background: Promise<unknown>[] = []
      for (let i = 0; i < 150; i++) {
        const tab = tabs[randomInt(random, 2)] as Tab
        const text = tab.doc.getText('t')
        const roll = random.next()
        if (roll < 0.2 && text.length > 0) text.delete(randomInt(random, text.length), 1)
        else if (roll < 0.35) tab.doc.getMap('m').set(`k${randomInt(random, 4)}`, `${seed}:${i}`)
        else text.insert(randomInt(random, text.length + 1), `${i},`)
        const action = random.next()
        if (action < 0.15) background.push(tab.store.flush())
        else if (action < 0.22) background.push(tab.store.compact())
        if (random.next() < 0.5) await yieldTurns(randomInt(random, 4))
      }
      await Promise.all(background)
      for (const tab of tabs) await tab.store.close()

      const expected = new Y.Doc()
      for (const tab of tabs) Y.applyUpdate(expected, Y.encodeStateAsUpdate(tab.doc))
      const reader = await openTab(disk, seed + 30, compaction, 64)
      const context = `seed ${seed} (${compaction} compaction)`
      expect(view(reader.doc), context).toBe(view(expected))
      expect(Y.equalSnapshots(Y.snapshot(reader.doc), Y.snapshot(expected)), context).toBe(true)
      for (const tab of [...tabs, reader]) expect(tab.events.filter((e) => e.type === 'error'), context).toEqual([])
    },
    30_000,
  )
})
