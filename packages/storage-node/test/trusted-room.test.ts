/**
 * A room with a secret on `sqlite()`: reopened from the database file (a new adapter, as a
 * restarted process would), it has the same peer id, continues its chain, serves what it
 * loaded to a peer that joins later, and with `encryptStorage` a wrong secret fails typed.
 */
import { createRoom, generateRoomSecret, memoryNetwork, seededRandom, VirtualClock, type ErrorEvent, type Room, type RoomOptions } from '@gossamer/core'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { sqlite } from '../src/index.js'
import { freshPath, removeTemporaryDirs } from './support.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'
const OTHER = generateRoomSecret()

afterAll(removeTemporaryDirs)
let rooms: Room[] = []
afterEach(async () => {
  await Promise.all(rooms.map((r) => r.close()))
  rooms = []
})

function open(options: Partial<RoomOptions>): { room: Room; errors: ErrorEvent[] } {
  const room = createRoom({ name: 'disk', doc: new Y.Doc(), transports: [], secret: SECRET, presence: false, ...options })
  const errors: ErrorEvent[] = []
  room.on('error', (e) => errors.push(e))
  rooms.push(room)
  return { room, errors }
}

const text = (room: Room): string => room.doc.getText('t').toString()

describe.each([false, true])('a room with a secret on sqlite (encryptStorage: %s)', (encryptStorage) => {
  it('reopens from the file with the same peer id; a later peer gets what it loaded, and its new edits', async () => {
    const path = await freshPath()
    const { room: first } = open({ storage: sqlite({ path }), encryptStorage })
    await first.whenLoaded()
    first.doc.getText('t').insert(0, 'stored on disk')
    await first.flush()
    await first.close()

    const clock = new VirtualClock()
    const network = memoryNetwork({ clock, random: seededRandom(9), latency: { min: 5, max: 20 } })
    const { room: reopened, errors } = open({ storage: sqlite({ path }), encryptStorage, clock, roundMs: 200, transports: [network.transport()], random: seededRandom(1) })
    const { room: late, errors: lateErrors } = open({ clock, roundMs: 200, transports: [network.transport()], random: seededRandom(2) })
    await Promise.all([reopened.whenLoaded(), late.whenLoaded()])
    expect(reopened.peerId).toBe(first.peerId)
    expect(text(reopened)).toBe('stored on disk')
    reopened.doc.getText('t').insert(0, '> ')
    for (let i = 0; i < 200 && text(late) !== '> stored on disk'; i++) await clock.advance(100)
    expect(text(late)).toBe('> stored on disk')
    expect(late.stats().framesRejected).toBe(0)
    expect([...errors, ...lateErrors]).toEqual([])
  })

  it('fails whenLoaded() with KeyMismatchError under another secret, and the file keeps its data', async () => {
    const path = await freshPath()
    const { room: first } = open({ storage: sqlite({ path }), encryptStorage })
    await first.whenLoaded()
    first.doc.getText('t').insert(0, 'kept')
    await first.close()
    const { room: wrong } = open({ storage: sqlite({ path }), encryptStorage, secret: OTHER })
    await expect(wrong.whenLoaded()).rejects.toMatchObject({ name: 'KeyMismatchError' })
    expect(text(wrong)).toBe('')
    await wrong.close()
    const { room: right } = open({ storage: sqlite({ path }), encryptStorage })
    await right.whenLoaded()
    expect(text(right)).toBe('kept')
    expect(right.peerId).toBe(first.peerId)
  })
})
