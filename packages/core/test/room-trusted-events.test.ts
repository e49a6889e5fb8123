/**
 * Room events and queries bound to their members, live: rooms with a secret on the memory
 * network and a hostile insider that holds the secret and runs the real engine. Honest emits,
 * queries and answers work as in an open room (signed and checked on the way); an event in
 * another member's name, unsigned or signed by the insider's own key, is refused by every
 * peer and delivered nowhere.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, type ErrorEvent, type Room } from '../src/index.js'
import { EventSigner } from '../src/layers/event-signing.js'
import { trustSigning } from '../src/engine/membership.js'
import { FrameType } from '../src/protocol/messages.js'
import type { RoomEventFrame } from '../src/protocol/messages-members.js'
import { insider } from './support/insider.js'
import { liveRooms } from './support/live-rooms.js'
import { until } from './support/layer-harness.js'

const SECRET = 'bGl2ZS1ldmVudHMtdGVzdHMtcm9vbS1zZWNyZXQtMzI'
const { rooms, insiders } = liveRooms()

interface Peer {
  room: Room
  errors: ErrorEvent[]
  events: { name: string; from: string; payload: unknown }[]
}

function peer(network: ReturnType<typeof memoryNetwork>): Peer {
  const room = createRoom({ name: 'live-events', doc: new Y.Doc(), transports: [network.transport()], roundMs: 50, secret: SECRET })
  rooms.push(room)
  const p: Peer = { room, errors: [], events: [] }
  room.on('error', (event) => p.errors.push(event))
  room.on('event:receive', (event) => p.events.push(event))
  return p
}

describe('room events in a room with a secret', () => {
  it("emits, queries and answers are signed and reach everyone; an event in another member's name is refused by every peer", async () => {
    const network = memoryNetwork()
    const [alice, bob, carol] = [peer(network), peer(network), peer(network)]
    const mallory = await insider({ name: 'live-events', transport: network.transport(), secret: SECRET })
    insiders.push(mallory)
    const honest = [alice, bob, carol]
    await until(() => honest.every((p) => mallory.engine.overlay.neighbours().includes(p.room.peerId)) && honest.every((p) => p.room.neighbours().length >= 2), AbortSignal.timeout(10_000))

    // Forged in alice's name: unsigned, and signed with mallory's own key.
    const forged: RoomEventFrame = { type: FrameType.RoomEvent, room: '', id: 77, origin: alice.room.peerId, ltime: 1, name: 'deploy', payload: { json: true, data: new TextEncoder().encode('"forged"') } }
    const signedByMallory = await new EventSigner('live-events', trustSigning(mallory.trust!)).sign({ ...forged, id: 78 })
    mallory.sendToNeighbours(forged)
    mallory.sendToNeighbours(signedByMallory)
    const refused = (p: Peer): number => p.errors.filter((e) => e.peerId === mallory.peerId && e.error.name === 'RoomEventError').length
    // Alice drops events in her own name unchecked (her neighbours had her real ones from her).
    await until(() => [bob, carol].every((p) => refused(p) === 2), AbortSignal.timeout(10_000))

    // Honest traffic still flows: alice emits, bob asks and carol answers.
    alice.room.emit('deploy', 'v1')
    await until(() => [bob, carol].every((p) => p.events.length === 1), AbortSignal.timeout(10_000))
    for (const p of [bob, carol]) expect(p.events).toEqual([{ name: 'deploy', from: alice.room.peerId, payload: 'v1' }])
    carol.room.onQuery('status', () => 'ok')
    const answers = []
    for await (const answer of bob.room.query('status', null, { timeoutMs: 3000 })) answers.push(answer)
    expect(answers).toEqual([{ from: carol.room.peerId, payload: 'ok' }])
    // Nobody delivered a forgery, and no honest peer is blamed for one.
    expect(alice.events).toEqual([])
    expect(refused(alice)).toBe(0)
    for (const p of honest) expect(p.errors.filter((e) => e.peerId !== mallory.peerId)).toEqual([])
  }, 20_000)
})
