/**
 * A peer whose only link is lost redials it at the next reconnect round. Presence from every
 * known peer counts as proof that the overlay is connected (so no rewiring is needed), but a
 * peer with no neighbour at all still shows the lost peer's state until it expires
 * (OUTDATED_MS): that stale presence must not hold the redial back until then.
 *
 * Two rooms on a memory network share a virtual clock, advanced one round at a time, so the
 * test asks when (in rounds) the link comes back, relative to the presence expiry.
 */
import { afterEach, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, seededRandom, VirtualClock, type Room } from '../src/index.js'
import { roundsUntil as stepUntil } from './support/rounds.js'
import { OUTDATED_MS } from '../src/layers/presence.js'

const ROUND_MS = 50
const rooms: Room[] = []

afterEach(async () => {
  await Promise.all(rooms.splice(0).map((r) => r.close()))
})

/** Advances the clock one round at a time, at most `rounds`, until `predicate` holds; true if it did. */
const roundsUntil = (clock: VirtualClock, rounds: number, predicate: () => boolean): Promise<boolean> => stepUntil(clock, ROUND_MS, rounds, predicate)

it('two peers whose link is lost relink while each still shows the other (stale) presence', async () => {
  const clock = new VirtualClock()
  const network = memoryNetwork({ clock })
  const [a, b] = [1, 2].map((seed) => {
    const room = createRoom({ name: 'relink', doc: new Y.Doc(), transports: [network.transport()], roundMs: ROUND_MS, clock, random: seededRandom(seed) })
    room.awareness.setLocalStateField('user', { name: `peer ${seed}` })
    rooms.push(room)
    return room
  }) as [Room, Room]
  await Promise.all([a.whenLoaded(), b.whenLoaded()])
  const linked = (): boolean => a.neighbours().length === 1 && b.neighbours().length === 1
  const shows = (): boolean => a.awareness.getStates().has(b.doc.clientID) && b.awareness.getStates().has(a.doc.clientID)
  expect(await roundsUntil(clock, 100, () => linked() && shows())).toBe(true)
  // A partition: the link goes silent, and each side's liveness declares the other dead.
  network.partition([[a.peerId], [b.peerId]])
  expect(await roundsUntil(clock, OUTDATED_MS / ROUND_MS, () => a.neighbours().length === 0 && b.neighbours().length === 0)).toBe(true)
  expect(shows()).toBe(true)
  network.heal()
  // Back before either side's copy of the other's presence expired.
  expect(await roundsUntil(clock, OUTDATED_MS / ROUND_MS, () => linked() || !shows())).toBe(true)
  expect([linked(), shows()]).toEqual([true, true])
})
