/**
 * Rooms with a secret and storage: the identity persists per room (sealed), the signed
 * chains are stored and served after a restart, and the clean rule holds for keys.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, memoryStorage, type ErrorEvent, type Room, type StorageAdapter } from '../../src/index.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'

let rooms: Room[] = []
afterEach(async () => {
  await Promise.all(rooms.map((r) => r.close()))
  rooms = []
})

function open(storage: StorageAdapter, extra: Partial<Parameters<typeof createRoom>[0]> = {}): { room: Room; errors: ErrorEvent[] } {
  const room = createRoom({ name: 'kept', doc: new Y.Doc(), transports: [], secret: SECRET, storage, presence: false, ...extra })
  const errors: ErrorEvent[] = []
  room.on('error', (e) => errors.push(e))
  rooms.push(room)
  return { room, errors }
}

describe('a room with a secret and storage', () => {
  it('reopens with the same identity, and its chain continues', async () => {
    const storage = memoryStorage()
    const { room: first, errors } = open(storage)
    await first.whenLoaded()
    first.doc.getText('t').insert(0, 'hello')
    await first.flush()
    const { peerId } = first
    const clientID = first.doc.clientID
    await first.close()
    expect(errors).toEqual([])

    const { room: second, errors: errors2 } = open(storage)
    await second.whenLoaded()
    expect(second.peerId).toBe(peerId)
    expect(second.doc.clientID).toBe(clientID)
    expect(second.doc.getText('t').toString()).toBe('hello')
    second.doc.getText('t').insert(5, ' world')
    await second.flush()
    await second.close()
    expect(errors2).toEqual([])
  })
})
