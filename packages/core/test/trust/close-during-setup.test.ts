/**
 * A room with a secret closed while it still sets up (keys deriving, identity importing,
 * storage not opened yet) loses no edit: `close()` lets the setup finish, so what was typed
 * before is signed and stored; the room that opens the store next has it and shares it with
 * its peers.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, generateRoomSecret, memoryNetwork, memoryStorage, type ErrorEvent, type Room, type RoomOptions } from '../../src/index.js'
import { waitFor } from './wait.js'

const ROOM = 'closed-early'
let rooms: Room[] = []
afterEach(async () => {
  await Promise.all(rooms.map((r) => r.close()))
  rooms = []
})

function open(options: Partial<RoomOptions>): { room: Room; errors: ErrorEvent[] } {
  const room = createRoom({ name: ROOM, doc: new Y.Doc(), transports: [], presence: false, ...options })
  const errors: ErrorEvent[] = []
  room.on('error', (e) => errors.push(e))
  rooms.push(room)
  return { room, errors }
}

describe('closing a room with a secret during its setup', () => {
  for (const encryptStorage of [false, true]) {
    it(`keeps the edits typed before the keys were ready: stored, and shared by the next room (encryptStorage: ${encryptStorage})`, async () => {
      const secret = generateRoomSecret()
      const storage = memoryStorage()
      const first = open({ storage, secret, encryptStorage })
      first.room.doc.getText('t').insert(0, 'typed at once')
      await first.room.close()
      expect(first.errors).toEqual([])

      const network = memoryNetwork()
      const next = open({ storage, secret, encryptStorage, transports: [network.transport()], roundMs: 50 })
      await next.room.whenLoaded()
      expect(next.room.doc.getText('t').toString()).toBe('typed at once')
      const other = open({ secret, transports: [network.transport()], roundMs: 50 })
      await waitFor(() => other.room.doc.getText('t').toString() === 'typed at once', 'the stored edit to reach a peer')
      expect([...next.errors, ...other.errors]).toEqual([])
    })
  }
})
