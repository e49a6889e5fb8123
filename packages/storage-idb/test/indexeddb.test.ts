import 'fake-indexeddb/auto'
import { DocStore, seededRandom, systemClock, type StorageAdapter } from '@gossamer/core'
import { createStore, set } from 'idb-keyval'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { indexeddb } from '../src/index.js'

let databases = 0
const freshName = (): string => `gossamer-idb-test-${process.pid}-${++databases}`
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)

describe('indexeddb()', () => {
  it('stores string[] keys as IndexedDB array keys, compared element-wise', async () => {
    const storage = indexeddb({ dbName: freshName() })
    await storage.save(['a', 'bc'], bytes(1))
    await storage.save(['a', 'b'], bytes(2))
    await storage.save(['a', 'b', 'c'], bytes(3))
    await storage.save(['ab'], bytes(4))
    expect((await storage.loadRange(['a', 'b'])).map((c) => c.key)).toEqual([['a', 'b'], ['a', 'b', 'c']])
    expect((await storage.loadRange(['a'])).map((c) => c.key)).toEqual([['a', 'b'], ['a', 'b', 'c'], ['a', 'bc']])
    await storage.removeRange(['a', 'b'])
    expect((await storage.loadRange([])).map((c) => c.key)).toEqual([['a', 'bc'], ['ab']])
    await storage.close?.()
  })

  it('shares one database between two adapters with the same names (two tabs)', async () => {
    const dbName = freshName()
    const one = indexeddb({ dbName })
    const two = indexeddb({ dbName })
    await one.save(['k'], bytes(7))
    expect(await two.load(['k'])).toEqual(bytes(7))
    await one.close?.()
    await two.close?.()
  })

  it('skips values it did not write (not bytes) and reads ArrayBuffers as bytes', async () => {
    const dbName = freshName()
    const storage = indexeddb({ dbName, storeName: 'gossamer' })
    await storage.save(['x', 'ok'], bytes(1))
    const raw = createStore(dbName, 'gossamer')
    await set(['x', 'foreign'], { not: 'bytes' }, raw)
    await set(['x', 'buffer'], bytes(5, 6).buffer, raw)
    const chunks = await storage.loadRange(['x'])
    expect(chunks.map((c) => [c.key, [...c.data]])).toEqual([
      [['x', 'buffer'], [5, 6]],
      [['x', 'ok'], [1]],
    ])
    expect(await storage.load(['x', 'foreign'])).toBeUndefined()
    await storage.close?.()
  })

  it('rejects every call after close()', async () => {
    const storage = indexeddb({ dbName: freshName() })
    await storage.save(['a'], bytes(1))
    await storage.close?.()
    await expect(storage.load(['a'])).rejects.toMatchObject({ name: 'IndexedDBClosedError' })
  })

  it('keeps a Yjs document across DocStores: append, compact, reload, no write on an unchanged open', async () => {
    const dbName = freshName()
    const open = async (adapter: StorageAdapter, seed: number): Promise<{ store: DocStore; doc: Y.Doc }> => {
      const store = new DocStore({ adapter, room: 'notes', random: seededRandom(seed), clock: systemClock(), locks: null, compactRecords: 8 })
      const doc = new Y.Doc()
      await store.load(doc, store)
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin !== store) store.append(update)
      })
      return { store, doc }
    }
    const first = await open(indexeddb({ dbName }), 1)
    for (let i = 0; i < 40; i++) {
      first.doc.getText('t').insert(0, `${i} `)
      await first.store.flush()
    }
    await first.store.close()
    const chunks = await indexeddb({ dbName }).loadRange(['gossamer', 'notes'])
    expect(chunks.length).toBeLessThanOrEqual(8)

    let writes = 0
    const inner = indexeddb({ dbName })
    const counting: StorageAdapter = {
      ...inner,
      save: (key, data) => (writes++, inner.save(key, data)),
      batch: (ops) => (writes++, inner.batch(ops)),
      remove: (key) => (writes++, inner.remove(key)),
      removeRange: (prefix) => (writes++, inner.removeRange(prefix)),
    }
    const second = await open(counting, 2)
    expect(second.doc.getText('t').toString()).toBe(first.doc.getText('t').toString())
    await second.store.close()
    expect(writes).toBe(0)
  })
})
