/**
 * Rooms with a secret on the memory network: signed content converges, readers cannot write,
 * and every write is its author's.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, generateIdentity, memoryNetwork, VirtualClock, seededRandom, type ErrorEvent, type Room } from '../../src/index.js'
import { documentDigest } from '../../src/replica.js'
import { signedMessage } from '../../src/trust/chain.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'

let rooms: Room[] = []
afterEach(async () => {
  await Promise.all(rooms.map((r) => r.close()))
  rooms = []
})

async function trustedRooms(count: number, extra: Partial<Parameters<typeof createRoom>[0]>[] = []) {
  const clock = new VirtualClock()
  const network = memoryNetwork({ clock, random: seededRandom(7), latency: { min: 5, max: 20 } })
  const errors: ErrorEvent[][] = []
  for (let i = 0; i < count; i++) {
    const room = createRoom({ name: 'trusted', doc: new Y.Doc(), transports: [network.transport()], secret: SECRET, clock, random: seededRandom(100 + i), roundMs: 200, presence: false, ...extra[i] })
    const seen: ErrorEvent[] = []
    room.on('error', (e) => seen.push(e))
    errors.push(seen)
    rooms.push(room)
  }
  await Promise.all(rooms.map((r) => r.whenLoaded()))
  return { clock, network, errors }
}

const text = (room: Room): string => room.doc.getText('t').toString()
const converged = (all: Room[]): boolean => all.every((r) => text(r) === text(all[0] as Room) && documentDigest(r.doc) === documentDigest((all[0] as Room).doc))

describe('rooms with a secret', () => {
  it('peer ids and clientIDs come from the identity keys; edits converge', async () => {
    const { clock } = await trustedRooms(3)
    const [a, b, c] = rooms as [Room, Room, Room]
    expect(a.peerId).toHaveLength(43)
    expect(a.doc.clientID).toBeGreaterThan(2 ** 32)
    await clock.advance(2000)
    a.doc.getText('t').insert(0, 'hello ')
    b.doc.getText('t').insert(0, 'world ')
    await clock.advance(2000)
    c.doc.getText('t').delete(0, 3)
    a.doc.getText('t').insert(2, 'XY')
    for (let i = 0; i < 40 && !converged(rooms); i++) await clock.advance(200)
    expect(converged(rooms)).toBe(true)
    expect(text(a).length).toBe(12 + 2 - 3)
  })

  it('edits of one synchronous burst share one signature and go out as one run; every edit arrives', async () => {
    const identity = await generateIdentity({ extractable: true })
    // Only signatures of update chain heads count: the same key also signs handshakes and member records.
    const prefix = signedMessage(new Uint8Array(0))
    const isChainHead = (data: Uint8Array): boolean => data.length > prefix.length && prefix.every((byte, i) => data[i] === byte)
    let signatures = 0
    const counting = { ...identity, sign: (data: Uint8Array) => (isChainHead(data) && signatures++, identity.sign(data)) }
    const { clock, errors } = await trustedRooms(3, [{ identity: counting }])
    const [a, b] = rooms as [Room, Room, Room]
    await clock.advance(2000)
    const before = signatures
    const deltasBefore = b.stats().deltasReceived
    for (let i = 0; i < 100; i++) a.doc.getText('t').insert(i, 'x')
    await a.flush()
    expect(signatures - before).toBe(1)
    for (let i = 0; i < 40 && !converged(rooms); i++) await clock.advance(200)
    expect(converged(rooms)).toBe(true)
    expect(text(b)).toBe('x'.repeat(100))
    // One Delta per neighbour at most (a copy may also come through the third peer), not 100.
    expect(b.stats().deltasReceived - deltasBefore).toBeLessThanOrEqual(2)
    // Edits in separate ticks are separate entries, each signed.
    a.doc.getText('t').insert(0, 'y')
    await a.flush()
    a.doc.getText('t').insert(0, 'z')
    await a.flush()
    expect(signatures - before).toBe(3)
    for (let i = 0; i < 40 && !converged(rooms); i++) await clock.advance(200)
    expect(text(b)).toBe('zy' + 'x'.repeat(100))
    expect(errors.flat()).toEqual([])
  })

  it('a reader receives everything, and its own edits reach nobody', async () => {
    const writer = await generateIdentity({ extractable: true })
    const other = await generateIdentity({ extractable: true })
    const writers = [writer.peerId, other.peerId]
    const { clock, errors } = await trustedRooms(3, [{ identity: writer, writers }, { identity: other, writers }, { writers }])
    const [a, , reader] = rooms as [Room, Room, Room]
    await clock.advance(2000)
    a.doc.getText('t').insert(0, 'from a writer')
    reader.doc.getText('t').insert(0, 'from a reader ')
    for (let i = 0; i < 40 && text(rooms[1] as Room) !== 'from a writer'; i++) await clock.advance(200)
    await clock.advance(2000)
    expect(text(a)).toBe('from a writer')
    expect(text(rooms[1] as Room)).toBe('from a writer')
    // The reader holds its own edit (local only) and the writer's, in Yjs's order for concurrent inserts.
    expect([...text(reader)].sort().join('')).toBe([...'from a reader from a writer'].sort().join(''))
    expect(errors[2]?.some((e) => e.error.name === 'ReadOnlyError')).toBe(true)
  })
})
