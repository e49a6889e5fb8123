/**
 * An honest relay is never cut off for the presence it passes on. Many peers behind one relay
 * move their cursors as fast as their own pace allows (layers/presence-pace.ts); together they
 * make the relay pass on more presence frames than its other neighbours grant it. The relay
 * paces what it passes on per link (layers/presence-outbox.ts): past the link's share, the
 * states wait and go out together, the latest of each client, at the link's next token. No
 * neighbour throttles or cuts the relay off, and every peer ends with every peer's last
 * cursor, in a room without a secret and in one with. Before the outbox, the relay's
 * neighbours throttled it within a second and cut it off.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, seededRandom, type ErrorEvent, type Room } from '../src/index.js'
import { liveRooms } from './support/live-rooms.js'
import { cursorsAt, eachTurn } from './support/turns.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'
/** Every peer's budget: twelve movers at an eighth of it each (a cursor's own pace) make the relay pass on half again as much. */
const BUDGETS = { framesPerSecond: 100, frameBurst: 200 }
const MOVERS = 12
const MOVES = 300

const { rooms } = liveRooms()

describe('a relay between many moving cursors', () => {
  for (const secret of [false, true]) {
    it(`${secret ? 'with' : 'without'} a secret: ${MOVERS} peers move their cursors ${MOVES} times each; nobody throttles the relay, everyone ends with every last cursor`, async () => {
      const network = memoryNetwork({ random: seededRandom(4) })
      const errors: ErrorEvent[] = []
      const make = (seed: number, maxNeighbours: number): Room => {
        const room = createRoom({ name: 'cursors', doc: new Y.Doc(), transports: [network.transport()], random: seededRandom(seed), maxNeighbours, minNeighbours: 1, budgets: BUDGETS, roundMs: 250, ...(secret ? { secret: SECRET } : {}) })
        room.on('error', (e) => errors.push(e))
        rooms.push(room)
        return room
      }
      // A star: every mover and the watcher have room for one neighbour, the relay.
      const relay = make(1, MOVERS + 2)
      const movers: Room[] = []
      for (let m = 0; m < MOVERS; m++) {
        const mover = make(10 + m, 1)
        await mover.whenSynced()
        movers.push(mover)
      }
      const watcher = make(2, 1)
      await watcher.whenSynced()
      for (const peer of [watcher, ...movers]) expect(peer.neighbours()).toEqual([relay.peerId])

      await Promise.all(movers.map((mover) => eachTurn(MOVES, (i) => mover.awareness.setLocalStateField('cursor', i))))
      const last = new Map(movers.map((mover) => [mover.awareness.clientID, MOVES - 1]))
      await Promise.all([watcher, relay, ...movers].map((peer) => cursorsAt(peer.awareness, last)))

      for (const peer of [watcher, ...movers]) {
        const seen = peer.stats()
        expect(seen.framesThrottled).toBe(0)
        expect(seen.peersThrottled).toBe(0)
        expect(seen.peersCutOff).toBe(0)
      }
      expect(relay.stats().presencePaced).toBeGreaterThan(0)
      expect(errors.map((e) => `${e.error.name}: ${e.error.message}`)).toEqual([])
    }, 60_000)
  }
})
