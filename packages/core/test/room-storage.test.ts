import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, faultyStorage, memoryNetwork, memoryStorage, type PersistedEvent, type Room } from '../src/index.js'

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
})
