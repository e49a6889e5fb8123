import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, faultyStorage, memoryNetwork, memoryStorage, systemClock, type Clock, type PersistedEvent, type Room } from '../src/index.js'

function waitFor(predicate: () => boolean, signal = AbortSignal.timeout(5000)): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) return resolve()
      if (signal.aborted) return reject(new Error('waitFor timed out'))
      setImmediate(check)
    }
    check()
  })
}

describe('room with storage', () => {
  it('loads before it joins, persists every edit, and a reload gets the document, peer id and clientID back', async () => {
    const storage = memoryStorage()
    const network = memoryNetwork()
    const persisted: PersistedEvent[] = []
    const first = createRoom({ name: 'offline', doc: new Y.Doc(), transports: [network.transport()], storage })
    first.on('storage:persisted', (e) => persisted.push(e))
    await first.whenLoaded()
    first.doc.getText('t').insert(0, 'written offline')
    await first.flush()
    expect(persisted.length).toBeGreaterThan(0)
    const { peerId, doc } = first
    const clientID = doc.clientID
    await first.close()

    const second = createRoom({ name: 'offline', doc: new Y.Doc(), transports: [network.transport()], storage })
    await second.whenLoaded()
    expect(second.doc.getText('t').toString()).toBe('written offline')
    expect(second.peerId).toBe(peerId)
    expect(second.doc.clientID).toBe(clientID)
    await second.close()
  })

  it('opening an unchanged document writes nothing', async () => {
    const inner = memoryStorage()
    const seed = createRoom({ name: 'quiet', doc: new Y.Doc(), transports: [], storage: inner })
    await seed.whenLoaded()
    seed.doc.getMap('m').set('k', 1)
    await seed.close()
    const writes: string[] = []
    const storage = faultyStorage(inner, { onOperation: (op) => void (op.method !== 'load' && op.method !== 'loadRange' && writes.push(op.method)) })
    const reopened = createRoom({ name: 'quiet', doc: new Y.Doc(), transports: [], storage, peerId: 'fixed' })
    await reopened.whenLoaded()
    await reopened.flush()
    await reopened.close()
    expect(reopened.doc.getMap('m').get('k')).toBe(1)
    expect(writes).toEqual([])
  })

  it('persists remote updates too, and remembers known peers for a fast rejoin', async () => {
    const network = memoryNetwork()
    const storage = memoryStorage()
    const rooms: Room[] = [0, 1, 2].map((i) =>
      createRoom({ name: 'shared', doc: new Y.Doc(), transports: [network.transport()], roundMs: 20, shuffleEveryRounds: 1, ...(i === 0 ? { storage } : {}) }),
    )
    const [a, b] = rooms as [Room, Room]
    b.doc.getText('t').insert(0, 'from b')
    await waitFor(() => a.doc.getText('t').toString() === 'from b' && a.neighbours().length === 2)
    await a.flush()
    await waitFor(() => a.stats().antiEntropyRounds > 3)
    await a.close()
    const again = createRoom({ name: 'shared', doc: new Y.Doc(), transports: [], storage })
    await again.whenLoaded()
    expect(again.doc.getText('t').toString()).toBe('from b')
    expect(again.knownPeers().sort()).toEqual([b.peerId, (rooms[2] as Room).peerId].sort())
    await Promise.all([again.close(), ...rooms.map((r) => r.close())])
  })

  it('a failing store is an error event: the room keeps working in memory and flush rejects typed', async () => {
    const storage = faultyStorage(memoryStorage())
    const room = createRoom({ name: 'full-disk', doc: new Y.Doc(), transports: [], storage, peerId: 'p' })
    const errors: string[] = []
    room.on('error', ({ error }) => errors.push(error.name))
    await room.whenLoaded()
    storage.crash() // the disk is gone from here on
    for (let i = 0; i < 5; i++) room.doc.getText('t').insert(0, 'x')
    await expect(room.flush()).rejects.toMatchObject({ name: expect.stringMatching(/Storage/) })
    expect(room.doc.getText('t').toString()).toBe('xxxxx')
    expect(errors.length).toBeGreaterThan(0)
    await room.close()
  })

  describe('regressions found by the offline-todo tests', () => {
    it('stores edits made right after createRoom, before the load finished, and content the doc had before', async () => {
      const storage = memoryStorage()
      const doc = new Y.Doc()
      doc.getMap('m').set('before', 1)
      const room = createRoom({ name: 'early', doc, transports: [], storage })
      doc.getArray('a').push(['x'])
      await room.flush()
      await room.close()
      const again = createRoom({ name: 'early', doc: new Y.Doc(), transports: [], storage })
      await again.whenLoaded()
      expect(again.doc.getArray('a').toArray()).toEqual(['x'])
      expect(again.doc.getMap('m').get('before')).toBe(1)
      await again.close()
    })

    it('leases compare wall-clock time, so writers whose monotonic clocks differ never share an identity', async () => {
      const storage = memoryStorage()
      const skewed = (offset: number): Clock => {
        const base = systemClock()
        return { ...base, now: () => base.now() + offset }
      }
      const a = createRoom({ name: 'lease', doc: new Y.Doc(), transports: [], storage, clock: skewed(1e9) })
      await a.whenLoaded()
      const b = createRoom({ name: 'lease', doc: new Y.Doc(), transports: [], storage, clock: skewed(0) })
      await b.whenLoaded()
      expect(b.peerId).not.toBe(a.peerId)
      expect(b.doc.clientID).not.toBe(a.doc.clientID)
      await Promise.all([a.close(), b.close()])
    })

    it('presence follows the persisted clientID, and a clean leave removes it at once', async () => {
      const network = memoryNetwork()
      const a = createRoom({ name: 'presence', doc: new Y.Doc(), transports: [network.transport()], storage: memoryStorage(), roundMs: 20 })
      const b = createRoom({ name: 'presence', doc: new Y.Doc(), transports: [network.transport()], roundMs: 20 })
      await a.whenLoaded()
      expect(a.awareness.clientID).toBe(a.doc.clientID)
      a.awareness.setLocalStateField('user', { name: 'Ada' })
      await waitFor(() => b.awareness.getStates().has(a.doc.clientID))
      await a.close()
      await waitFor(() => !b.awareness.getStates().has(a.awareness.clientID))
      await b.close()
    })

    it('after a reload, presence is taken at once by a peer that remembers the clientID\'s earlier clock (issue 12, bug 3)', async () => {
      const network = memoryNetwork()
      const storage = memoryStorage()
      const b = createRoom({ name: 'reload', doc: new Y.Doc(), transports: [network.transport()], roundMs: 20 })
      const a = createRoom({ name: 'reload', doc: new Y.Doc(), transports: [network.transport()], storage, roundMs: 20 })
      await a.whenLoaded()
      const clientID = a.doc.clientID
      // The first session moves its cursor many times (and fast): b remembers a high clock for this clientID.
      for (let i = 0; i < 50; i++) a.awareness.setLocalStateField('cursor', i)
      await waitFor(() => (b.awareness.getStates().get(clientID) as { cursor?: number } | undefined)?.cursor === 49)
      await a.close()
      await waitFor(() => !b.awareness.getStates().has(clientID))
      const remembered = b.awareness.meta.get(clientID)?.clock ?? 0
      expect(remembered).toBeGreaterThan(50)
      // The reload gets the same clientID back from storage, and its first state is seen at
      // once (before the fix its clock restarted at 0 and b ignored it until the 15 s renewal).
      const again = createRoom({ name: 'reload', doc: new Y.Doc(), transports: [network.transport()], storage, roundMs: 20 })
      await again.whenLoaded()
      expect(again.doc.clientID).toBe(clientID)
      again.awareness.setLocalStateField('user', { name: 'Ada, reloaded' })
      await waitFor(() => (b.awareness.getStates().get(clientID) as { user?: { name: string } } | undefined)?.user?.name === 'Ada, reloaded')
      await Promise.all([again.close(), b.close()])
    })

    it('a closed room gives its document a fresh clientID, so a reused Y.Doc never shares one with the next writer', async () => {
      const storage = memoryStorage()
      const doc1 = new Y.Doc()
      const first = createRoom({ name: 'reuse', doc: doc1, transports: [], storage })
      await first.whenLoaded()
      doc1.getArray('a').push(['one'])
      const released = doc1.clientID
      await first.close()
      expect(doc1.clientID).not.toBe(released)
      const doc3 = new Y.Doc()
      const third = createRoom({ name: 'reuse', doc: doc3, transports: [], storage })
      await third.whenLoaded()
      const second = createRoom({ name: 'reuse', doc: doc1, transports: [], storage })
      await second.whenLoaded()
      expect(doc1.clientID).not.toBe(doc3.clientID)
      await Promise.all([second.close(), third.close()])
    })
  })
})
