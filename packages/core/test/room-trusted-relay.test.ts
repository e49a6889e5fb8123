/**
 * Relay origins, live: rooms on the memory network hand their transports a SignalRelay; a
 * hostile insider that holds the secret tries to have a signal delivered as coming from
 * another peer. In an open room it works (the origin is whatever the sender claims); in a
 * room with a secret the forged signal is refused at the first honest peer, while genuine
 * signals, the insider's own included, are delivered as from their real origin.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, type ErrorEvent, type Room } from '../src/index.js'
import { FrameType } from '../src/protocol/messages.js'
import type { SignedRelayFrame } from '../src/protocol/messages-presence.js'
import { relaySigningMessage } from '../src/trust/presence-signatures.js'
import { insider, relayTap, type Insider } from './support/insider.js'
import { liveRooms } from './support/live-rooms.js'
import { until } from './support/layer-harness.js'

const SECRET = 'bGl2ZS1yZWxheS10ZXN0cy1yb29tLXNlY3JldC0wMQ'
const { rooms, insiders } = liveRooms()

interface Peer {
  room: Room
  errors: ErrorEvent[]
  signals: { from: string; data: string }[]
  send(to: string, data: string): boolean
}

function peer(network: ReturnType<typeof memoryNetwork>, secret?: string): Peer {
  const signals: Peer['signals'] = []
  // The room hands its transports the relay when its network session starts (after loading).
  const tap = relayTap(network.transport(), (relay) => relay.on('signal', ({ from, data }) => signals.push({ from, data: new TextDecoder().decode(data) })))
  const room = createRoom({ name: 'live', doc: new Y.Doc(), transports: [tap.transport], roundMs: 50, ...(secret === undefined ? {} : { secret }) })
  rooms.push(room)
  const p: Peer = { room, errors: [], signals, send: (to, data) => tap.relay().send(to, new TextEncoder().encode(data)) }
  room.on('error', (event) => p.errors.push(event))
  return p
}

/**
 * A full mesh, seen from every side: the insider's own sessions must be open too, or what it
 * sends is dropped unsent (the acceptor's session opens before the dialer's, all the more
 * with a secret, where the dialer's Welcome is still being opened).
 */
async function meshed(peers: Peer[], mallory: Insider): Promise<void> {
  const all = [...peers.map((p) => p.room.peerId), mallory.peerId]
  await until(
    () =>
      peers.every((p) => all.every((id) => id === p.room.peerId || p.room.neighbours().includes(id))) &&
      peers.every((p) => mallory.engine.overlay.neighbours().includes(p.room.peerId)),
    AbortSignal.timeout(10_000),
  )
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('relay origins', () => {
  it('in an open room, a Relay claiming to come from alice is delivered as from alice', async () => {
    const network = memoryNetwork()
    const [alice, carol] = [peer(network), peer(network)]
    const mallory = await insider({ name: 'live', transport: network.transport() })
    insiders.push(mallory)
    await meshed([alice, carol], mallory)
    mallory.sendToNeighbours({ type: FrameType.Relay, room: '', id: 1, origin: alice.room.peerId, target: carol.room.peerId, ttl: 2, payload: bytes('evil offer') })
    await until(() => carol.signals.length === 1)
    expect(carol.signals).toEqual([{ from: alice.room.peerId, data: 'evil offer' }])
  })

  it('with a secret, a forged origin is refused by every peer it reaches; genuine signals arrive from their real origin', async () => {
    const network = memoryNetwork()
    const peers = [peer(network, SECRET), peer(network, SECRET), peer(network, SECRET)]
    const [alice, bob, carol] = peers as [Peer, Peer, Peer]
    const mallory = await insider({ name: 'live', transport: network.transport(), secret: SECRET })
    insiders.push(mallory)
    await meshed(peers, mallory)
    const key = mallory.trust!
    const forged = { type: FrameType.SignedRelay, room: '', id: 77, origin: alice.room.peerId, target: carol.room.peerId, ttl: 2, payload: bytes('evil offer'), signature: new Uint8Array(64) } satisfies SignedRelayFrame
    const signedByMallory = { ...forged, signature: await key.identity.sign(relaySigningMessage('live', forged)) }
    const own = { ...forged, id: 79, origin: mallory.peerId, payload: bytes('hello from mallory') }
    const ownSignature = await key.identity.sign(relaySigningMessage('live', own))
    const sent = [
      mallory.sendToNeighbours(signedByMallory),
      mallory.sendToNeighbours({ type: FrameType.Relay, room: '', id: 78, origin: alice.room.peerId, target: carol.room.peerId, ttl: 2, payload: bytes('evil offer') }),
      mallory.sendToNeighbours({ ...own, signature: ownSignature }),
    ]
    expect(sent.every((to) => to.length === peers.length)).toBe(true)
    expect(alice.send(carol.room.peerId, 'genuine offer')).toBe(true)
    const refused = (p: Peer): string[] => p.errors.filter((e) => e.peerId === mallory.peerId && ['SignatureError', 'FrameNotAllowedError'].includes(e.error.name)).map((e) => e.error.name).sort()
    // Alice drops a signal claiming her own origin unchecked, as an echo of hers.
    const expected = (p: Peer): string[] => (p === alice ? ['FrameNotAllowedError'] : ['FrameNotAllowedError', 'SignatureError'])
    await until(() => carol.signals.length === 2 && peers.every((p) => refused(p).length === expected(p).length))
    expect(carol.signals.sort((x, y) => x.data.localeCompare(y.data))).toEqual([
      { from: alice.room.peerId, data: 'genuine offer' },
      { from: mallory.peerId, data: 'hello from mallory' },
    ])
    for (const p of peers) expect(refused(p)).toEqual(expected(p))
    expect([alice.signals, bob.signals]).toEqual([[], []])
    for (const p of peers) expect(p.room.stats().relaysRejected).toBe(expected(p).length)
  })
})
