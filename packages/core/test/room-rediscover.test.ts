/**
 * An isolated peer asks its transports for peers again (Transport.rediscover). Peer A's only
 * neighbour B vanishes silently, and the other peers C and D know A only as a peer they
 * failed to reach (they never redial it here: their reconnect rounds are off), so A can get
 * back only by asking the network's topic for members again. And a peer that stays alone
 * asks rarely: the spacing of its requests doubles up to a cap.
 *
 * Rooms on a memory network share a virtual clock advanced one round at a time; seeded.
 */
import { afterEach, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, seededRandom, VirtualClock, type Room, type RoomOptions, type Transport } from '../src/index.js'
import { roundsUntil } from './support/rounds.js'
import { REDISCOVER_FIRST_ROUNDS, REDISCOVER_MAX_MS, Rediscovery } from '../src/layers/rediscovery.js'

const ROUND_MS = 100
const rooms: Room[] = []

afterEach(async () => {
  await Promise.all(rooms.splice(0).map((r) => r.close()))
})

/** Counts the rediscovery requests that reach a real memory transport. */
function counted(transport: Transport): { transport: Transport; calls: () => number } {
  let calls = 0
  const rediscover = transport.rediscover?.bind(transport)
  transport.rediscover = (topic) => {
    calls++
    rediscover?.(topic)
  }
  return { transport, calls: () => calls }
}

it('a peer whose only neighbour vanished silently finds the others by asking the topic again', async () => {
  const seed = 7
  const clock = new VirtualClock()
  const network = memoryNetwork({ clock, random: seededRandom(seed) })
  const open = async (name: string, transport: Transport, options: Partial<RoomOptions> = {}): Promise<Room> => {
    const room = createRoom({ name: 'rediscover', peerId: name, doc: new Y.Doc(), transports: [transport], roundMs: ROUND_MS, maxNeighbours: 2, clock, random: seededRandom(seed + rooms.length), ...options })
    rooms.push(room)
    await room.whenLoaded()
    return room
  }
  const a = counted(network.transport())
  const roomA = await open('a', a.transport)
  const roomB = await open('b', network.transport())
  expect(await roundsUntil(clock, ROUND_MS, 100, () => roomA.neighbours().length === 1 && roomB.neighbours().length === 1), `seed ${seed}`).toBe(true)
  // C and D join where they cannot reach A or B: they keep A and B as failed peers only.
  network.partition([['a', 'b'], ['c', 'd']])
  const quiet = { reconnectEveryRounds: 100_000 }
  const [roomC, roomD] = [await open('c', network.transport(), quiet), await open('d', network.transport(), quiet)]
  const dialTimeoutRounds = 3000 / ROUND_MS + 5
  expect(await roundsUntil(clock, ROUND_MS, 100 + dialTimeoutRounds, () => roomC.neighbours().length === 1 && roomD.neighbours().length === 1), `seed ${seed}`).toBe(true)
  await roundsUntil(clock, ROUND_MS, dialTimeoutRounds, () => false)
  expect(roomA.neighbours(), `seed ${seed}`).toEqual(['b'])
  const before = a.calls()
  // B vanishes without a word while the partition heals: A has nobody left to dial.
  network.kill('b')
  network.heal()
  expect(await roundsUntil(clock, ROUND_MS, 60, () => roomA.neighbours().some((p) => p === 'c' || p === 'd')), `seed ${seed}`).toBe(true)
  expect(a.calls(), `seed ${seed}`).toBeGreaterThan(before)
})

it('a peer alone in its room asks again with a doubling spacing, capped', async () => {
  const clock = new VirtualClock()
  const network = memoryNetwork({ clock, random: seededRandom(3) })
  const a = counted(network.transport())
  const room = createRoom({ name: 'alone', doc: new Y.Doc(), transports: [a.transport], roundMs: 1000, clock, random: seededRandom(3) })
  rooms.push(room)
  await room.whenLoaded()
  const rounds = 200
  await roundsUntil(clock, 1000, rounds, () => false)
  // Rounds 2, 4, 8, 16, 32, then every 30 (REDISCOVER_MAX_MS at 1 s rounds): 5 + 5 = 10 in 200.
  expect(a.calls()).toBeGreaterThanOrEqual(9)
  expect(a.calls()).toBeLessThanOrEqual(11)
  expect(room.neighbours()).toEqual([])
})

it('paces requests: first on the second isolated round, then 2, 4, 8... rounds apart up to the cap, and so again after a neighbour', () => {
  const asked: number[] = []
  let round = 0
  const pacing = new Rediscovery(REDISCOVER_MAX_MS / 1000, () => asked.push(round))
  for (round = 1; round <= 100; round++) pacing.isolated()
  expect(REDISCOVER_FIRST_ROUNDS).toBe(2)
  expect(asked).toEqual([2, 4, 8, 16, 32, 62, 92])
  pacing.reset()
  asked.length = 0
  for (round = 1; round <= 4; round++) pacing.isolated()
  expect(asked).toEqual([2, 4])
})
