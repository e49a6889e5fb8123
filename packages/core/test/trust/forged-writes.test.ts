/**
 * The forged-write classes of the trust issue, each run by a hostile insider (it knows the
 * secret) against a live room of honest peers with a secret: every forged struct and delete
 * is refused, no honest replica changes, honest replicas end with equal content, and every
 * honest edit arrives everywhere.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, seededRandom, VirtualClock, type ErrorEvent, type Room } from '../../src/index.js'
import { chainStart } from '../../src/trust/chain.js'
import { decodePayload, encodeSignedUpdate } from '../../src/trust/signed-payload.js'
import { hostileInsider, type HostileInsider } from './support/hostile-insider.js'

const SECRET = Buffer.from('forged-writes-test-secret-32byte').toString('base64url')
const ROOM = 'under-attack'

let rooms: Room[] = []
let hostile: HostileInsider | undefined
afterEach(async () => {
  hostile?.close()
  hostile = undefined
  await Promise.all(rooms.map((r) => r.close()))
  rooms = []
})

/** Three honest peers and a hostile insider, all linked. */
async function setting(seed: number) {
  const clock = new VirtualClock()
  const network = memoryNetwork({ clock, random: seededRandom(seed), latency: { min: 5, max: 20 } })
  const errors: ErrorEvent[] = []
  for (let i = 0; i < 3; i++) {
    const room = createRoom({ name: ROOM, doc: new Y.Doc(), transports: [network.transport()], secret: SECRET, clock, random: seededRandom(seed * 10 + i), roundMs: 200, presence: false })
    room.on('error', (e) => errors.push(e))
    rooms.push(room)
  }
  await Promise.all(rooms.map((r) => r.whenLoaded()))
  const insider = await hostileInsider(network, clock, ROOM, SECRET)
  hostile = insider
  // Its sealed sessions open on real crypto: wait until it is every room's neighbour, both ways.
  await advanceUntil(clock, () => rooms.every((r) => r.neighbours().includes(insider.trust.peerId) && insider.engine.overlay.neighbours().includes(r.peerId)), 100)
  expect(insider.engine.overlay.neighbours().length).toBe(rooms.length)
  return { clock, errors, insider }
}

const text = (room: Room): string => room.doc.getText('t').toString()
const snapshot = (): string[] => rooms.map((r) => Buffer.from(Y.encodeStateAsUpdate(r.doc)).toString('base64'))

/** An update that writes `content` as client `client`, starting at clock `from` (earlier clocks are filler it leaves out). */
function writeAs(client: number, content: string, from = 0): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = client
  if (from > 0) doc.getText('t').insert(0, 'x'.repeat(from))
  const before = Y.encodeStateVector(doc)
  doc.getText('t').insert(from, content)
  return Y.encodeStateAsUpdate(doc, before)
}

/** A delete-only Yjs V1 update for `client`'s clocks [clock, clock + len): no structs, one delete range. */
function deleteOf(client: number, clock: number, len: number): Uint8Array {
  return Uint8Array.from([0, 1, ...varUint(client), 1, ...varUint(clock), ...varUint(len)])
}

function varUint(n: number): number[] {
  const out: number[] = []
  while (n > 127) {
    out.push(0x80 | (n % 128))
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

/**
 * Signing and verifying run on the platform's crypto, outside virtual time: advances the
 * virtual clock by `stepMs` at a time, letting real callbacks run in between, until `done`
 * holds or 10 s of real time passed (the assertions that follow say what was missing).
 */
async function advanceUntil(clock: VirtualClock, done: () => boolean, stepMs: number): Promise<void> {
  const deadline = AbortSignal.timeout(10_000)
  while (!done() && !deadline.aborted) {
    await clock.advance(stepMs)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('forged writes by an insider are refused', () => {
  it.each([1, 2, 3])('seed %i: structs under another peer’s clientID, at a future clock, at its current clock, and deletes of unseen clocks', async (seed) => {
    const { clock, errors, insider } = await setting(seed)
    const [a, b] = rooms as [Room, Room, Room]
    a.doc.getText('t').insert(0, 'honest ')
    // Signing and verifying run on the platform's crypto, outside virtual time: advance until delivered.
    await advanceUntil(clock, () => rooms.every((r) => text(r) === 'honest '), 20)
    expect(rooms.map(text)).toEqual(rooms.map(() => 'honest '))
    const before = snapshot()
    const victim = b.doc.clientID
    const me = insider.trust.identity
    const start = chainStart(ROOM, me.publicKey)
    const forgeries = [
      // 1. A struct under the victim's clientID at a clock it has not reached.
      (await insider.sign(me, 1, start, writeAs(victim, 'FORGED', 100))).payload,
      // 2. Under the victim's clientID at its current clock (credit text to it).
      (await insider.sign(me, 1, start, writeAs(victim, 'MINE'))).payload,
      // 3. A delete set for a clientID nobody has seen (no dependency named).
      (await insider.sign(me, 1, start, deleteOf(987654321, 0, 10))).payload,
      // 4. The same, naming a dependency that does not exist anywhere.
      (await insider.sign(me, 1, start, deleteOf(987654321, 0, 10), [{ clientId: 987654321, seq: 1 }])).payload,
      // 5. A raw Yjs update, as open rooms carry.
      writeAs(victim, 'RAW'),
    ]
    for (const payload of forgeries) insider.push(payload)
    await advanceUntil(clock, () => new Set(errors.map((e) => e.error.name)).size >= 2, 100)
    await clock.advance(2000)
    expect(snapshot()).toEqual(before)
    const names = new Set(errors.map((e) => e.error.name))
    expect(names.has('AuthorshipError')).toBe(true)
    expect(names.has('UpdateRejectedError')).toBe(true)
    // Honest edits still flow and everyone ends equal.
    b.doc.getText('t').insert(0, 'also ')
    await advanceUntil(clock, () => rooms.every((r) => text(r) === text(a) && text(r).includes('also')), 200)
    expect(rooms.map(text)).toEqual(['also honest ', 'also honest ', 'also honest '])
  }, 30_000)

  it('a signature by one key over another author’s entry is refused', async () => {
    const { clock, errors, insider } = await setting(4)
    const before = snapshot()
    const b = rooms[1] as Room
    const { payload } = await insider.sign(insider.trust.identity, 1, chainStart(ROOM, insider.trust.publicKey), writeAs(b.doc.clientID, 'X'))
    // Claim the victim as the author: its clientID in place of ours (receivers know its key).
    const ours = decodePayload(payload)
    if (ours.kind !== 'update') throw new Error('expected an update payload')
    insider.push(encodeSignedUpdate({ ...ours, clientId: b.doc.clientID }))
    await advanceUntil(clock, () => errors.some((e) => e.error.name === 'SignatureError'), 100)
    expect(snapshot()).toEqual(before)
    expect(errors.map((e) => e.error.name)).toContain('SignatureError')
  }, 30_000)
})
