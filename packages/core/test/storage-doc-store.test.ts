import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { systemClock } from '../src/clock.js'
import { seededRandom, randomInt, type RandomSource } from '../src/random.js'
import type { StorageAdapter } from '../src/storage/adapter.js'
import { DocStore, type DocStoreEvent, type DocStoreOptions } from '../src/storage/doc-store.js'
import { faultyStorage, memoryStorage, type FaultyOperation } from '../src/storage/memory-adapter.js'

const ROOM = ['gossamer', 'r'] as const
const WRITES = new Set(['save', 'remove', 'removeRange', 'batch'])

interface Harness {
  store: DocStore
  doc: Y.Doc
  events: DocStoreEvent[]
  errors: Error[]
}

/** A store on `adapter` with `doc` loaded and every local update appended. */
async function open(adapter: StorageAdapter, seed: number, options: Partial<DocStoreOptions> = {}): Promise<Harness> {
  const events: DocStoreEvent[] = []
  const store = new DocStore({
    adapter,
    room: 'r',
    random: seededRandom(seed),
    clock: systemClock(),
    locks: null,
    onEvent: (event) => events.push(event),
    ...options,
  })
  const doc = new Y.Doc()
  await store.load(doc, store)
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== store) store.append(update, { fromDoc: true })
  })
  const errors: Error[] = []
  return {
    store,
    doc,
    events,
    get errors() {
      errors.length = 0
      for (const event of events) if (event.type === 'error') errors.push(event.error)
      return errors
    },
  }
}

/** Counts adapter calls (and which of them write). */
function counted(adapter: StorageAdapter): { adapter: StorageAdapter; calls: FaultyOperation[]; writes: () => number } {
  const calls: FaultyOperation[] = []
  return {
    adapter: faultyStorage(adapter, { onOperation: (op) => calls.push(op) }),
    calls,
    writes: () => calls.filter((op) => WRITES.has(op.method)).length,
  }
}

/** Yields to the event loop (no timers) until `predicate` holds; fails after 1000 turns. */
async function until(predicate: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000; turn++) {
    if (predicate()) return
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  throw new Error('condition not reached')
}

async function roomRecords(adapter: StorageAdapter): Promise<{ snapshots: number; logs: number; bundles: number; bytes: number }> {
  const chunks = await adapter.loadRange(ROOM)
  let snapshots = 0
  let logs = 0
  let bundles = 0
  let bytes = 0
  for (const { key, data } of chunks) {
    if (key[2] === 'snapshot') snapshots++
    else if (key[2] === 'log') logs++
    else if (key[2] === 'bundle') bundles++
    else continue
    bytes += data.byteLength
  }
  return { snapshots, logs, bundles, bytes }
}

/** One random edit: text insert/delete, or a map overwrite (delete-heavy). */
function randomEdit(doc: Y.Doc, random: RandomSource, i: number): void {
  const text = doc.getText('t')
  const roll = random.next()
  if (roll < 0.25 && text.length > 0) text.delete(randomInt(random, text.length), Math.min(3, text.length))
  else if (roll < 0.4) doc.getMap('m').set(`k${randomInt(random, 20)}`, `value ${i} ${'-'.repeat(randomInt(random, 40))}`)
  else text.insert(randomInt(random, text.length + 1), String.fromCharCode(97 + randomInt(random, 26)))
}

describe('DocStore', () => {
  it('round-trips: append, flush, then a new store loads the same document', async () => {
    const disk = memoryStorage()
    const a = await open(disk, 1)
    a.doc.getText('t').insert(0, 'hello')
    a.doc.getMap('m').set('x', 1)
    a.doc.getText('t').insert(5, ' world')
    await a.store.flush()
    expect(a.store.pending).toBe(0)
    const persisted = a.events.filter((e) => e.type === 'persisted')
    expect(persisted).toHaveLength(1)
    expect(persisted[0]).toMatchObject({ type: 'persisted', records: 3 })

    const b = await open(disk, 2)
    expect(b.doc.getText('t').toString()).toBe('hello world')
    expect(b.doc.getMap('m').get('x')).toBe(1)
    expect(a.errors).toEqual([])
  })

  it('never blocks append: one record per tick, one write in flight, later appends merged into the next write', async () => {
    const disk = memoryStorage()
    let inFlight = 0
    let maxInFlight = 0
    const gates: (() => void)[] = []
    const slow: StorageAdapter = {
      ...disk,
      async save(key, data) {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await new Promise<void>((resolve) => gates.push(resolve))
        await disk.save(key, data)
        inFlight--
      },
    }
    const a = await open(slow, 1)
    for (let i = 0; i < 100; i++) a.doc.getText('t').insert(i, 'a') // one tick: one record
    expect(inFlight).toBe(0) // append returned without writing
    const first = a.store.flush()
    await until(() => gates.length === 1)
    for (let i = 0; i < 50; i++) a.doc.getText('t').insert(0, 'b') // while writing: queued
    const second = a.store.flush()
    gates.shift()?.()
    await first
    await until(() => gates.length === 1)
    gates.shift()?.()
    await second
    expect(maxInFlight).toBe(1)
    expect((await roomRecords(disk)).logs).toBe(2)
    expect((await open(disk, 2)).doc.getText('t').length).toBe(150)
  })

  it('writes nothing when a document is opened without changes', async () => {
    const disk = memoryStorage()
    const a = await open(disk, 1)
    for (let i = 0; i < 20; i++) {
      a.doc.getText('t').insert(0, `edit ${i} `)
      await a.store.flush()
    }
    await a.store.close()
    for (let i = 0; i < 3; i++) {
      const { adapter, calls, writes } = counted(disk)
      const b = await open(adapter, 10 + i)
      expect(b.doc.getText('t').length).toBeGreaterThan(0)
      await b.store.flush()
      await b.store.close()
      expect(writes()).toBe(0)
      expect(calls.map((c) => c.method)).toEqual(['loadRange'])
    }
  })

  it('bundles every compactRecords records into one: one batch of a save and a range removal; close leaves one snapshot', async () => {
    const disk = memoryStorage()
    const { adapter, calls } = counted(disk)
    const a = await open(adapter, 1, { compactRecords: 8 })
    for (let i = 0; i < 7; i++) {
      a.doc.getText('t').insert(0, 'x')
      await a.store.flush()
    }
    expect(await roomRecords(disk)).toMatchObject({ snapshots: 0, logs: 7, bundles: 0 })
    a.doc.getText('t').insert(0, 'x')
    await a.store.flush()
    await until(() => calls.some((c) => c.method === 'batch'))
    await a.store.flush()
    expect(await roomRecords(disk)).toMatchObject({ snapshots: 0, logs: 0, bundles: 1 })
    const [bundling] = calls.filter((c) => c.method === 'batch')
    expect(bundling?.operations?.map((op) => op.type)).toEqual(['save', 'removeRange'])
    expect(calls.filter((c) => c.method === 'loadRange')).toHaveLength(1) // the load: bundling reads nothing back
    await a.store.close()
    expect(await roomRecords(disk)).toMatchObject({ snapshots: 1, logs: 0, bundles: 0 })
    expect((await open(disk, 2)).doc.getText('t').toString()).toBe('xxxxxxxx')
  })

  it('never makes flush() wait for a compaction step: edits stay durable while compaction batches are stuck', async () => {
    const disk = memoryStorage()
    const held: (() => void)[] = []
    let holding = true
    const stuck: StorageAdapter = {
      ...disk,
      batch: (operations) => (holding ? new Promise<void>((resolve) => held.push(() => resolve(disk.batch(operations)))) : disk.batch(operations)),
    }
    const a = await open(stuck, 1, { compactRecords: 4 })
    for (let i = 0; i < 200; i++) {
      a.doc.getText('t').insert(0, 'y')
      await a.store.flush() // would hang here if a flush waited for the held bundling batch
    }
    expect(held.length).toBe(1) // one step in flight; the next ones wait for it, the writes do not
    expect((await roomRecords(disk)).logs).toBe(200)
    holding = false
    for (const release of held.splice(0)) release()
    await a.store.close()
    expect(await roomRecords(disk)).toMatchObject({ snapshots: 1, logs: 0, bundles: 0 })
    expect((await open(disk, 2)).doc.getText('t').length).toBe(200)
  })

  it('keeps the work per write flat: over 4,000 flushed edits no write reads the room, and the log stays a few groups long', async () => {
    const disk = memoryStorage()
    const { adapter, calls } = counted(disk)
    const a = await open(adapter, 1, { compactRecords: 16 })
    let most = 0
    for (let i = 0; i < 4_000; i++) {
      a.doc.getText('t').insert(i, 'z')
      await a.store.flush()
      if (i % 50 === 0) most = Math.max(most, a.store.log.records)
    }
    expect(calls.filter((c) => c.method === 'loadRange')).toHaveLength(1)
    // Three levels of at most 16 (plus the group being bundled) whatever the length of the history.
    expect(most).toBeLessThanOrEqual(3 * 16 + 16)
    const stored = await roomRecords(disk)
    expect(stored.logs + stored.bundles).toBeLessThanOrEqual(3 * 16 + 16)
    await a.store.close()
    expect((await open(disk, 2)).doc.getText('t').length).toBe(4_000)
  })

  it('compacts when the log reaches compactBytes', async () => {
    const disk = memoryStorage()
    const a = await open(disk, 1, { compactBytes: 2000 })
    a.doc.getText('t').insert(0, 'small')
    await a.store.flush()
    expect(await roomRecords(disk)).toMatchObject({ logs: 1 })
    a.doc.getText('t').insert(0, 'y'.repeat(3000))
    await a.store.close()
    expect(await roomRecords(disk)).toMatchObject({ snapshots: 1, logs: 0 })
  })

  it.each(['doc', 'merge'] as const)(
    'meets the targets on a 10k-edit history (%s compaction): <= 64 records, bytes <= 1.25x encodeStateAsUpdate',
    async (compaction) => {
      const disk = memoryStorage()
      const random = seededRandom(42)
      const a = await open(disk, 1, { compaction })
      const merge = compaction === 'merge'
      for (let i = 0; i < 10_000; i++) {
        if (merge) a.doc.getText('t').insert(randomInt(random, a.doc.getText('t').length + 1), 'q')
        else randomEdit(a.doc, random, i)
        if (i % 7 === 0) await a.store.flush()
      }
      await a.store.close()
      const stored = await roomRecords(disk)
      const state = Y.encodeStateAsUpdate(a.doc).byteLength
      expect(stored.snapshots + stored.logs + stored.bundles).toBeLessThanOrEqual(64)
      expect(stored.bytes).toBeLessThanOrEqual(1.25 * state)
      const b = await open(disk, 2)
      expect(b.doc.getText('t').toString()).toBe(a.doc.getText('t').toString())
      expect(b.doc.getMap('m').toJSON()).toEqual(a.doc.getMap('m').toJSON())
    },
    60_000,
  )

  it('doc compaction keeps delete-heavy histories small where mergeUpdates cannot', async () => {
    const sizes: Record<string, number> = {}
    for (const compaction of ['doc', 'merge'] as const) {
      const disk = memoryStorage()
      const a = await open(disk, 1, { compaction })
      for (let i = 0; i < 2000; i++) {
        a.doc.getMap('m').set(`k${i % 10}`, `value ${i} ${'-'.repeat(30)}`)
        if (i % 5 === 0) await a.store.flush()
      }
      await a.store.compact()
      await a.store.close()
      sizes[compaction] = (await roomRecords(disk)).bytes / Y.encodeStateAsUpdate(a.doc).byteLength
    }
    expect(sizes.doc).toBeLessThanOrEqual(1.25)
    expect(sizes.merge).toBeGreaterThan(1.25)
  })

  it('quarantines a corrupt blob, reports a StorageCorruptError, and loads the rest', async () => {
    const disk = memoryStorage()
    const a = await open(disk, 1)
    a.doc.getText('t').insert(0, 'survives')
    await a.store.close()
    const badKey = [...ROOM, 'log', 'ffffffffffffffff', '0000000000']
    await disk.save(badKey, new Uint8Array([1, 5]))
    await disk.save([...ROOM, 'snapshot', 'broken'], new Uint8Array(0))

    const b = await open(disk, 2)
    expect(b.doc.getText('t').toString()).toBe('survives')
    const errors = b.errors
    expect(errors.map((e) => e.name)).toEqual(['StorageCorruptError', 'StorageCorruptError'])
    expect(errors.map((e) => (e as Error & { key: string[] }).key)).toContainEqual(badKey)
    expect(await disk.load(badKey)).toBeUndefined()
    expect(await disk.load([...ROOM, 'quarantine', 'log', 'ffffffffffffffff', '0000000000'])).toEqual(new Uint8Array([1, 5]))
    expect(await disk.load([...ROOM, 'quarantine', 'snapshot', 'broken'])).toEqual(new Uint8Array(0))

    const c = await open(disk, 3)
    expect(c.errors).toEqual([])
    expect(c.doc.getText('t').toString()).toBe('survives')
  })

  it('survives a failing adapter: error event, the doc keeps working, flush rejects typed, a later flush retries', async () => {
    const disk = memoryStorage()
    let full = false
    const flaky: StorageAdapter = {
      ...disk,
      save: (key, data) => (full ? Promise.reject(new Error('QuotaExceededError: disk full')) : disk.save(key, data)),
    }
    const a = await open(flaky, 1)
    a.doc.getText('t').insert(0, 'kept ')
    await a.store.flush()
    full = true
    a.doc.getText('t').insert(5, 'later')
    const failure = await a.store.flush().then(
      () => undefined,
      (error: unknown) => error as Error,
    )
    expect(failure?.name).toBe('StorageError')
    expect((failure?.cause as Error).message).toContain('disk full')
    expect(a.errors.map((e) => e.name)).toEqual(['StorageError'])
    expect(a.doc.getText('t').toString()).toBe('kept later')
    expect(a.store.pending).toBe(1)

    full = false
    a.doc.getText('t').insert(0, '>')
    await a.store.flush()
    expect(a.store.pending).toBe(0)
    expect((await open(disk, 2)).doc.getText('t').toString()).toBe('>kept later')
  })

  it('rejects flush with an AbortError when its signal aborts; the write still lands', async () => {
    const disk = memoryStorage()
    const a = await open(disk, 1)
    a.doc.getText('t').insert(0, 'x')
    const controller = new AbortController()
    const flushed = a.store.flush({ signal: controller.signal })
    controller.abort()
    await expect(flushed).rejects.toMatchObject({ name: 'AbortError' })
    await a.store.flush()
    expect((await open(disk, 2)).doc.getText('t').toString()).toBe('x')
  })

  it('drops an appended blob that is not a Yjs update, with an error event', async () => {
    const disk = memoryStorage()
    const a = await open(disk, 1)
    a.doc.getText('t').insert(0, 'ok')
    a.store.append(new Uint8Array([1, 5]))
    await a.store.flush()
    expect(a.errors.map((e) => e.name)).toEqual(['UpdateRejectedError'])
    expect((await open(disk, 2)).doc.getText('t').toString()).toBe('ok')
  })

  it('stores known peers bounded and validated', async () => {
    const disk = memoryStorage()
    const a = await open(disk, 1)
    const many = Array.from({ length: 300 }, (_, i) => `peer-${i}`)
    await a.store.savePeers(['a', 'a', '', 'has space', 'x'.repeat(200), ...many])
    const peers = await a.store.loadPeers()
    expect(peers.slice(0, 2)).toEqual(['a', 'peer-0'])
    expect(peers).toHaveLength(256)
    await disk.save([...ROOM, 'peers'], new TextEncoder().encode('{"v":1,"peers":"nope"}'))
    expect(await a.store.loadPeers()).toEqual([])
    expect(a.errors.map((e) => e.name)).toEqual(['StorageCorruptError'])
    expect(await (await open(memoryStorage(), 2)).store.loadPeers()).toEqual([])
  })

  it('after close: flush resolves, append reports StorageClosedError, load rejects', async () => {
    const a = await open(memoryStorage(), 1)
    a.doc.getText('t').insert(0, 'x')
    await a.store.close()
    await a.store.close()
    await a.store.flush()
    a.store.append(new Uint8Array([0, 0]))
    expect(a.errors.map((e) => e.name)).toEqual(['StorageClosedError'])
    await expect(a.store.load(new Y.Doc())).rejects.toMatchObject({ name: 'StorageClosedError' })
  })
})
