/**
 * The grace period of a rotation belongs to the room, on the room's clock: a room that
 * disconnects during it still ends it on time (peers on the old secret are refused when it
 * comes back), and a rotation made offline starts its grace period when the room next
 * connects (peers on the old secret still get in meanwhile, and are cut off after it). Two
 * rooms on a memory network share a virtual clock; `b` only ever knows the old secret.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, generateRoomSecret, memoryNetwork, seededRandom, VirtualClock, type ErrorEvent, type Room } from '../../src/index.js'
import { roundsUntil as stepUntil } from '../support/rounds.js'

const ROUND_MS = 50
const GRACE_MS = 5000
const rooms: Room[] = []

afterEach(async () => {
  await Promise.all(rooms.splice(0).map((r) => r.close()))
})

/** Advances the clock one round at a time (each waits for the real crypto of the handshakes to settle), at most `rounds`, until `predicate` holds; true if it did. */
const roundsUntil = (clock: VirtualClock, rounds: number, predicate: () => boolean): Promise<boolean> => stepUntil(clock, ROUND_MS, rounds, predicate, { settle: true })

/** Two rooms with the same (old) secret, linked; `a` is the one that rotates. */
async function pair(name: string) {
  const clock = new VirtualClock()
  const network = memoryNetwork({ clock })
  const secret = generateRoomSecret()
  const errors: ErrorEvent[] = []
  const [a, b] = [1, 2].map((seed) => {
    const room = createRoom({ name, doc: new Y.Doc(), transports: [network.transport()], roundMs: ROUND_MS, clock, random: seededRandom(seed), secret })
    rooms.push(room)
    return room
  }) as [Room, Room]
  a.on('error', (e) => errors.push(e))
  await Promise.all([a.whenLoaded(), b.whenLoaded()])
  const linked = (): boolean => a.neighbours().includes(b.peerId) && b.neighbours().includes(a.peerId)
  expect(await roundsUntil(clock, 200, linked)).toBe(true)
  const refused = (): boolean => errors.some((e) => e.peerId === b.peerId && ['unknown-key', 'key-expired'].includes((e.error as { reason?: string }).reason ?? ''))
  return { clock, a, b, linked, refused }
}

describe('the grace period of a rotation', () => {
  it('ends on time for a room that disconnects during it: the old secret is refused when it comes back', async () => {
    const { clock, a, linked, refused } = await pair('grace-disconnect')
    await a.rotateSecret(generateRoomSecret(), { graceMs: GRACE_MS })
    await a.disconnect()
    await clock.advance(2 * GRACE_MS)
    await a.connect()
    // b (old secret only) dials a again and again: refused every time, never linked.
    expect(await roundsUntil(clock, 200, () => linked())).toBe(false)
    expect(refused()).toBe(true)
  }, 30_000)

  it('starts at the next connect for a rotation made offline: old-secret peers get in during it, and are cut off after it', async () => {
    const { clock, a, linked, refused } = await pair('grace-offline')
    await a.disconnect()
    await a.rotateSecret(generateRoomSecret(), { graceMs: GRACE_MS })
    // Time offline does not count.
    await clock.advance(2 * GRACE_MS)
    await a.connect()
    expect(await roundsUntil(clock, GRACE_MS / ROUND_MS / 2, linked)).toBe(true)
    expect(refused()).toBe(false)
    // After the grace period: cut off, and refused from then on.
    expect(await roundsUntil(clock, GRACE_MS / ROUND_MS + 20, () => !linked() && refused())).toBe(true)
    expect(await roundsUntil(clock, 100, linked)).toBe(false)
  }, 30_000)
})
