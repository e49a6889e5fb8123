/**
 * An honest relay is never cut off for what it passes on. Several fast writers behind one
 * relay, each within its own pace (layers/publish-pacer.ts), together make it forward more
 * than the frame budget its other neighbour grants it. The relay's link sheds past its share
 * (layers/forward-pacer.ts) and anti-entropy catches the neighbour up: the reader never
 * throttles or cuts the relay off, and every transaction arrives, in a room without a
 * secret and in one with. Before the forward pacer, the reader cut the relay off and sat
 * without the writers' content for the minute of its backoff.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, seededRandom, type ErrorEvent, type Room } from '../src/index.js'
import { liveRooms } from './support/live-rooms.js'
import { eachTurn, textLength } from './support/turns.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'
/** Every peer's budget: five writers at a quarter of it each overdraw it together. */
const BUDGETS = { framesPerSecond: 100, frameBurst: 200 }
const WRITERS = 5
const TRANSACTIONS = 400

const { rooms } = liveRooms()

describe('a relay between fast writers and a reader', () => {
  for (const secret of [false, true]) {
    it(`${secret ? 'with' : 'without'} a secret: the relay sheds and catches the reader up; never throttled, nothing lost`, async () => {
      const network = memoryNetwork({ random: seededRandom(3) })
      const errors: ErrorEvent[] = []
      const make = (seed: number, maxNeighbours: number): Room => {
        const room = createRoom({ name: 'relay', doc: new Y.Doc(), transports: [network.transport()], random: seededRandom(seed), presence: false, maxNeighbours, minNeighbours: 1, budgets: BUDGETS, roundMs: 250, ...(secret ? { secret: SECRET } : {}) })
        room.on('error', (e) => errors.push(e))
        rooms.push(room)
        return room
      }
      // A star: the writers and the reader each have room for one neighbour, the relay.
      const relay = make(1, 8)
      const writers: Room[] = []
      for (let w = 0; w < WRITERS; w++) {
        const writer = make(10 + w, 1)
        await writer.whenSynced()
        writers.push(writer)
      }
      const reader = make(2, 1)
      await reader.whenSynced()
      expect(reader.neighbours()).toEqual([relay.peerId])
      for (const writer of writers) expect(writer.neighbours()).toEqual([relay.peerId])

      await Promise.all(
        writers.map(async (writer, w) => {
          const text = writer.doc.getText('t')
          await eachTurn(TRANSACTIONS, () => text.insert(text.length, String.fromCharCode(97 + w)))
        }),
      )
      await textLength(reader.doc, WRITERS * TRANSACTIONS)
      await Promise.all(writers.map((writer) => textLength(writer.doc, WRITERS * TRANSACTIONS)))
      const expected = reader.doc.getText('t').toString()
      for (const writer of writers) expect(writer.doc.getText('t').toString()).toBe(expected)

      expect(relay.stats().deltasShed).toBeGreaterThan(0)
      for (const peer of [reader, ...writers]) {
        const seen = peer.stats()
        expect(seen.framesThrottled).toBe(0)
        expect(seen.peersThrottled).toBe(0)
        expect(seen.peersCutOff).toBe(0)
      }
      expect(errors.map((e) => `${e.error.name}: ${e.error.message}`)).toEqual([])
    }, 60_000)
  }
})

describe('fast writers in a mesh', () => {
  it('16 peers, 5 fast writers, a fifth of the default budget: no peer throttles or cuts off another, and every replica ends equal', async () => {
    const network = memoryNetwork({ random: seededRandom(5) })
    const errors: ErrorEvent[] = []
    const mesh: Room[] = []
    for (let i = 0; i < 16; i++) {
      const room = createRoom({ name: 'mesh', doc: new Y.Doc(), transports: [network.transport()], random: seededRandom(i + 1), presence: false, maxNeighbours: 4, minNeighbours: 2, roundMs: 250, budgets: BUDGETS })
      room.on('error', (e) => errors.push(e))
      rooms.push(room)
      mesh.push(room)
    }
    await Promise.all(mesh.map((room) => room.whenSynced()))
    await Promise.all(
      mesh.slice(0, WRITERS).map(async (writer, w) => {
        const text = writer.doc.getText('t')
        await eachTurn(TRANSACTIONS, () => text.insert(text.length, String.fromCharCode(97 + w)))
      }),
    )
    await Promise.all(mesh.map((room) => textLength(room.doc, WRITERS * TRANSACTIONS)))
    const expected = (mesh[0] as Room).doc.getText('t').toString()
    for (const room of mesh) expect(room.doc.getText('t').toString()).toBe(expected)
    const total = (key: 'deltasShed' | 'framesThrottled' | 'peersCutOff'): number => mesh.reduce((sum, room) => sum + room.stats()[key], 0)
    expect(total('deltasShed')).toBeGreaterThan(0)
    expect(total('framesThrottled')).toBe(0)
    expect(total('peersCutOff')).toBe(0)
    // Held updates past the bounds would be dropped (PendingDroppedError): a held delta makes its receiver ask the sender at once.
    expect(errors.map((e) => `${e.error.name}: ${e.error.message}`)).toEqual([])
  }, 60_000)
})
