/**
 * An app that changes its presence state in a loop (one awareness change per turn, faster
 * than the frame budget neighbours grant a peer) is not mistaken for a flood: its own state is
 * paced (layers/presence-pace.ts) and goes out as it stands at each token, so its neighbour
 * never throttles or cuts it off and ends with its latest state, in a room without a secret
 * and in one with. Before the pace, the neighbour cut it off within two seconds.
 */
import { describe, expect, it } from 'vitest'
import type { Awareness } from 'y-protocols/awareness'
import { liveRooms } from './support/live-rooms.js'
import { cursorsAt, eachTurn, writerAndReader } from './support/turns.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'
const CHANGES = 2000

const { rooms } = liveRooms()

/** Resolves once `awareness` shows `client` with `cursor` (checked after each change). */
const cursorAt = (awareness: Awareness, client: number, cursor: number): Promise<void> => cursorsAt(awareness, new Map([[client, cursor]]))

describe('a fast presence writer', () => {
  for (const secret of [false, true]) {
    it(`${secret ? 'with' : 'without'} a secret: ${CHANGES} changes, one per turn; the neighbour ends with the latest and never throttles it`, async () => {
      const { writer, reader, errors } = await writerAndReader(rooms, { name: 'presence', seed: 3, ...(secret ? { secret: SECRET } : {}) })
      await eachTurn(CHANGES, (i) => writer.awareness.setLocalStateField('cursor', i))
      await cursorAt(reader.awareness, writer.awareness.clientID, CHANGES - 1)
      // Clearing and setting again in a loop (y-protocols reports every clearing) is paced too.
      await eachTurn(CHANGES, (i) => writer.awareness.setLocalState(i % 2 === 0 ? null : { cursor: i }))
      writer.awareness.setLocalState({ cursor: -1 })
      await cursorAt(reader.awareness, writer.awareness.clientID, -1)
      const seen = reader.stats()
      expect(seen.framesThrottled).toBe(0)
      expect(seen.peersThrottled).toBe(0)
      expect(seen.peersCutOff).toBe(0)
      // Paced: far fewer frames than the 4,000 changes (a burst of 125 one by one, then 62 a second).
      expect(seen.framesReceived).toBeLessThan(CHANGES / 2)
      expect(errors.map((e) => `${e.error.name}: ${e.error.message}`)).toEqual([])
    }, 30_000)
  }
})
