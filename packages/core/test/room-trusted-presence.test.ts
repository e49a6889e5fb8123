/**
 * Presence bound to its owner, live: rooms on the memory network, and a hostile insider that
 * holds the secret and runs the real engine but sends forged presence. The attack of the
 * issue ("7 of 7 peers showed a forged name for another user, including that user's own
 * view") is shown to work in an open room, then to fail in a room with a secret, in every
 * form: unsigned, signed with the insider's own key, replayed, at a higher clock. A reader
 * (not among the writers) cannot show presence at all.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { createRoom, generateIdentity, memoryNetwork, type ErrorEvent, type IdentityKeyPair, type Room } from '../src/index.js'
import { FrameType } from '../src/protocol/messages.js'
import { signAwarenessEntry } from '../src/trust/presence-signatures.js'
import { insider, type Insider } from './support/insider.js'
import { liveRooms } from './support/live-rooms.js'
import { testTrust, until } from './support/layer-harness.js'

const SECRET = 'bGl2ZS1wcmVzZW5jZS10ZXN0cy1yb29tLXNlY3JldA'
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin']
const { rooms, insiders } = liveRooms()

interface Peer {
  room: Room
  name: string
  errors: ErrorEvent[]
}

function peer(network: ReturnType<typeof memoryNetwork>, name: string, options: { secret?: string; identity?: IdentityKeyPair; writers?: string[] } = {}): Peer {
  const room = createRoom({ name: 'live', doc: new Y.Doc(), transports: [network.transport()], roundMs: 50, ...options })
  rooms.push(room)
  room.awareness.setLocalStateField('user', { name })
  const errors: ErrorEvent[] = []
  room.on('error', (event) => errors.push(event))
  return { room, name, errors }
}

const nameOf = (room: Room, client: number): unknown => (room.awareness.getStates().get(client) as { user?: { name?: string } } | undefined)?.user?.name

/** Every peer shows every other's name, and the insider is a neighbour of every peer. */
async function converged(peers: Peer[], mallory: Insider, shown: Peer[] = peers): Promise<void> {
  await until(
    () =>
      peers.every((p) => shown.every((q) => nameOf(p.room, q.room.doc.clientID) === q.name)) &&
      peers.every((p) => mallory.engine.overlay.neighbours().includes(p.room.peerId)),
    AbortSignal.timeout(10_000),
  )
}

/** An unsigned awareness update that sets `client`'s name, at a clock above anything real. */
function unsignedUpdate(client: number, name: string): Uint8Array {
  const forger = new Awareness(new Y.Doc())
  forger.states.set(client, { user: { name } })
  forger.meta.set(client, { clock: 2 ** 52, lastUpdated: 0 })
  const update = encodeAwarenessUpdate(forger, [client])
  forger.destroy()
  return update
}

describe('the attack of the issue, in an open room', () => {
  it('an unsigned update at a higher clock shows a forged name for bob everywhere, bob included', async () => {
    const network = memoryNetwork()
    const peers = NAMES.map((name) => peer(network, name))
    const mallory = await insider({ name: 'live', transport: network.transport() })
    insiders.push(mallory)
    await converged(peers, mallory)
    const bob = peers[1]!
    mallory.sendToNeighbours({ type: FrameType.Awareness, room: '', update: unsignedUpdate(bob.room.doc.clientID, 'forged') })
    await until(() => peers.every((p) => nameOf(p.room, bob.room.doc.clientID) === 'forged'))
    expect(peers.map((p) => nameOf(p.room, bob.room.doc.clientID))).toEqual(Array(5).fill('forged'))
  })
})

describe('a room with a secret', () => {
  it("a hostile insider cannot change bob's presence at any peer, bob's own view included", async () => {
    const network = memoryNetwork()
    const peers = NAMES.map((name) => peer(network, name, { secret: SECRET }))
    const mallory = await insider({ name: 'live', transport: network.transport(), secret: SECRET })
    insiders.push(mallory)
    await converged(peers, mallory)
    const bob = peers[1]!
    const client = bob.room.doc.clientID
    // Mallory heard bob's genuine signed entry; bob then moves on, so that entry is old.
    await until(() => mallory.heard.some((e) => e.clientID === client))
    const old = mallory.heard.find((e) => e.clientID === client)!
    bob.room.awareness.setLocalStateField('user', { name: 'bob v2' })
    bob.name = 'bob v2'
    await converged(peers, mallory)
    const forgedState = new TextEncoder().encode(JSON.stringify({ user: { name: 'forged' } }))
    const key = mallory.trust!
    const own = await signAwarenessEntry(key.identity, 'live', { clientID: client, clock: 2 ** 52, state: forgedState })
    const sent = [
      mallory.sendToNeighbours({ type: FrameType.Awareness, room: '', update: unsignedUpdate(client, 'forged') }),
      mallory.sendToNeighbours({ type: FrameType.SignedAwareness, room: '', entries: [own] }),
      mallory.sendToNeighbours({ type: FrameType.SignedAwareness, room: '', entries: [{ ...own, publicKey: old.publicKey }] }),
      mallory.sendToNeighbours({ type: FrameType.SignedAwareness, room: '', entries: [old] }),
      mallory.sendToNeighbours({ type: FrameType.SignedAwareness, room: '', entries: [{ ...old, clock: 2 ** 52 }] }),
    ]
    expect(sent.every((to) => to.length === peers.length)).toBe(true)
    const expected = ['AuthorshipError', 'FrameNotAllowedError', 'SignatureError', 'SignatureError']
    // Presence refusals only: other layers report on their own.
    const refusals = new Set([...expected, 'UpdateRejectedError', 'UnauthorizedWriteError', 'VerifyOverloadError'])
    const fromMallory = (p: Peer): string[] => p.errors.filter((e) => e.peerId === mallory.peerId && refusals.has(e.error.name)).map((e) => e.error.name).sort()
    // The replay is checked before the last frame, whose refusal is reported last.
    await until(() => peers.every((p) => fromMallory(p).length >= expected.length))
    for (const p of peers) expect(fromMallory(p)).toEqual(expected)
    // Nothing forged was passed on: no honest peer is blamed for any of it.
    expect(peers.flatMap((p) => p.errors.filter((e) => e.peerId !== mallory.peerId && refusals.has(e.error.name)))).toEqual([])
    for (const p of peers) expect(nameOf(p.room, client)).toBe('bob v2')
    expect(bob.room.awareness.getLocalState()).toEqual({ user: { name: 'bob v2' } })
    for (const p of peers) expect(p.room.stats().presenceRejected).toBe(4)
  })

  it('a reader cannot show presence: its own signed state is refused everywhere; writers show at readers too', async () => {
    const network = memoryNetwork()
    const ids = await Promise.all(NAMES.map(() => generateIdentity({ extractable: true })))
    const writers = ids.slice(0, 3).map((id) => id.peerId)
    const peers = NAMES.map((name, i) => peer(network, name, { secret: SECRET, identity: ids[i]!, writers }))
    const mallory = await insider({ name: 'live', transport: network.transport(), secret: SECRET })
    insiders.push(mallory)
    const [writerPeers, readers] = [peers.slice(0, 3), peers.slice(3)]
    await converged(peers, mallory, writerPeers)
    const key = mallory.trust!
    const own = await signAwarenessEntry(key.identity, 'live', { clientID: key.clientId, clock: 2 ** 52, state: new TextEncoder().encode('{"user":{"name":"mallory"}}') })
    mallory.sendToNeighbours({ type: FrameType.SignedAwareness, room: '', entries: [own] })
    await until(() => peers.every((p) => p.errors.some((e) => e.peerId === mallory.peerId && e.error.name === 'UnauthorizedWriteError')))
    for (const p of peers) {
      for (const r of readers) expect(p === r || !p.room.awareness.getStates().has(r.room.doc.clientID)).toBe(true)
      expect(p.room.awareness.getStates().has(key.clientId)).toBe(false)
      expect(writerPeers.map((w) => nameOf(p.room, w.room.doc.clientID))).toEqual(['alice', 'bob', 'carol'])
    }
  })

  it('a peer that leaves has its signed removal reach every peer at once', async () => {
    const network = memoryNetwork()
    const peers = NAMES.slice(0, 4).map((name) => peer(network, name, { secret: SECRET }))
    const mallory = await insider({ name: 'live', transport: network.transport(), secret: SECRET })
    insiders.push(mallory)
    await converged(peers, mallory)
    const leaving = peers.pop()!
    const client = leaving.room.doc.clientID
    await leaving.room.close()
    await until(() => peers.every((p) => !p.room.awareness.getStates().has(client)))
    expect(peers.every((p) => p.errors.every((e) => e.error.name !== 'SignatureError'))).toBe(true)
  })

  it('one signed entry that y-protocols would never apply (clock 0 of a client nobody knows) is dropped, not passed around the room', async () => {
    const network = memoryNetwork()
    const peers = NAMES.map((name) => peer(network, name, { secret: SECRET }))
    const mallory = await insider({ name: 'live', transport: network.transport(), secret: SECRET })
    insiders.push(mallory)
    await converged(peers, mallory)
    const room = mallory.trust!.keys.room
    // Any member may mint keys: each owns a clientID nobody has seen. An Awareness holds
    // clock 0 for a client it never saw, so it ignores a state at clock 0.
    const [ghost, marker] = await Promise.all([testTrust(), testTrust()])
    const state = (name: string): Uint8Array => new TextEncoder().encode(JSON.stringify({ user: { name } }))
    const zero = await signAwarenessEntry(ghost.identity, room, { clientID: ghost.clientId, clock: 0, state: state('ghost') })
    const later = await signAwarenessEntry(marker.identity, room, { clientID: marker.clientId, clock: 1, state: state('marker') })
    mallory.sendToNeighbours({ type: FrameType.SignedAwareness, room: '', entries: [zero] })
    // Each peer checks a sender's frames in order: once the marker shows, the clock-0 entry
    // was handled; had it been passed on, it would have reached mallory (everyone's
    // neighbour) within a few more frames of each peer's ordinary traffic.
    mallory.sendToNeighbours({ type: FrameType.SignedAwareness, room: '', entries: [later] })
    await until(() => peers.every((p) => nameOf(p.room, marker.clientId) === 'marker'), AbortSignal.timeout(10_000))
    const sent = peers.map((p) => p.room.stats().framesSent)
    await until(() => peers.every((p, i) => p.room.stats().framesSent >= sent[i]! + 20), AbortSignal.timeout(15_000))
    expect(mallory.heard.filter((e) => e.clientID === ghost.clientId)).toEqual([])
    for (const p of peers) {
      expect(p.room.awareness.getStates().has(ghost.clientId)).toBe(false)
      expect(p.room.stats().framesThrottled).toBe(0)
      expect(p.errors.filter((e) => e.error.name !== 'AuthenticationError')).toEqual([])
    }
  }, 20_000)
})
