/**
 * The room's mesh relay runs the signaling conformance suite: real rooms on core's memory
 * network, each with its transport wrapped so that (a) the test captures the `relay` the room
 * passes to `start()`, and (b) the overlay is forced into a ring (a peer discovers and dials
 * only the two peers next to it). For n endpoints the ring has 2n rooms, an endpoint at every
 * other place and a relay-only room between each two: every signal travels through
 * intermediate rooms (which must pass it on without delivering it), and for most pairs the
 * flood reaches its target along both halves of the ring within its hop limit (so the relay
 * must deliver only the first copy). Removing the relay's deduplication fails the suite.
 * With a room secret the same ring runs on signed relays: every hop checks the origin's
 * signature before it passes a signal on.
 */
import * as Y from 'yjs'
import {
  Emitter,
  TransportError,
  createRoom,
  generateIdentity,
  memoryNetwork,
  type IdentityKeyPair,
  type MemoryNetworkInit,
  type PeerId,
  type Room,
  type SignalPath,
  type Transport,
  type TransportEvents,
} from '@gossamer/core'
import { waitFor } from '../src/index.js'
import { runSignalingConformance, type SignalingHarness } from '../src/conformance.js'

/**
 * `inner`, seen through a ring: only `adjacent` peers are discovered or dialled. The relay
 * the room starts it with goes to `capture`.
 */
function ringTransport(inner: Transport, adjacent: (a: PeerId, b: PeerId) => boolean, capture: (relay: SignalPath) => void): Transport {
  const emitter = new Emitter<TransportEvents>()
  let self = ''
  inner.on('peer:discover', (event) => {
    if (adjacent(self, event.peerId)) emitter.emit('peer:discover', event)
  })
  inner.on('connection:open', (event) => emitter.emit('connection:open', event))
  inner.on('error', (event) => emitter.emit('error', event))
  return {
    name: inner.name,
    on: (event, listener) => emitter.on(event, listener),
    once: (event, listener) => emitter.once(event, listener),
    off: (event, listener) => emitter.off(event, listener),
    start: (options) => {
      self = options.peerId
      if (options.relay !== undefined) capture(options.relay)
      return inner.start(options)
    },
    join: (topic) => inner.join(topic),
    leave: (topic) => inner.leave(topic),
    dial: (peerId, options) =>
      adjacent(self, peerId) ? inner.dial(peerId, options) : Promise.reject(new TransportError(`${peerId} is not next to ${self} in the ring`)),
    stop: () => inner.stop(),
  }
}

/**
 * `count` endpoints in a ring of `2 × count` rooms on one memory network: endpoint i at place
 * 2i, a relay-only room at each odd place. Each endpoint is exposed as its room's relay.
 */
function ringHarness(init: MemoryNetworkInit = {}, secret?: string): (count: number) => Promise<SignalingHarness> {
  return async (count) => {
    const network = memoryNetwork({ bootstrapSample: 4 * count, ...init })
    const name = `signaling-${globalThis.crypto.randomUUID()}`
    const size = 2 * count
    // With a secret, peer ids are the identities' keys.
    const identities: IdentityKeyPair[] | undefined = secret === undefined ? undefined : await Promise.all(Array.from({ length: size }, () => generateIdentity()))
    const ids = identities?.map((identity) => identity.peerId) ?? Array.from({ length: size }, (_, place) => (place % 2 === 0 ? `endpoint-${place / 2}` : `between-${(place - 1) / 2}`))
    const placeOf = new Map(ids.map((id, place) => [id, place]))
    const adjacent = (a: PeerId, b: PeerId): boolean => {
      const pa = placeOf.get(a)
      const pb = placeOf.get(b)
      if (pa === undefined || pb === undefined) return false
      const d = Math.abs(pa - pb)
      return d === 1 || d === size - 1
    }
    const relays = new Map<PeerId, SignalPath>()
    const rooms: Room[] = ids.map((peerId, place) =>
      createRoom({
        name,
        doc: new Y.Doc(),
        ...(secret === undefined ? { peerId } : { secret, identity: identities?.[place] as IdentityKeyPair }),
        // Two neighbours at most, and dial until two: every room links both its sides.
        maxNeighbours: 2,
        minNeighbours: 2,
        // No reconnect rounds: a rewire evicts a ring link to dial a random peer (which the
        // ring refuses), and a signal in flight across that link would be lost. The suite
        // tests the relay on a fixed topology, not the overlay's repairs.
        reconnectEveryRounds: 100_000,
        transports: [ringTransport(network.transport(), adjacent, (relay) => relays.set(peerId, relay))],
      }),
    )
    const cleanup = async (): Promise<void> => {
      await Promise.all(rooms.map((room) => room.close()))
    }
    try {
      const linked = (place: number): boolean => {
        const want = ids.filter((id) => adjacent(ids[place] as PeerId, id)).sort()
        return JSON.stringify((rooms[place] as Room).neighbours().sort()) === JSON.stringify(want)
      }
      await waitFor(() => relays.size === size && rooms.every((_, place) => linked(place)), {
        signal: AbortSignal.timeout(5000),
        description: 'the rooms to link up as a ring',
      })
    } catch (error) {
      await cleanup()
      throw error
    }
    return {
      endpoints: Array.from({ length: count }, (_, i) => {
        const peerId = ids[2 * i] as PeerId
        return { peerId, path: relays.get(peerId) as SignalPath, stop: () => (rooms[2 * i] as Room).close() }
      }),
      cleanup,
    }
  }
}

runSignalingConformance('mesh relay (rooms in a ring, microtask delivery)', ringHarness())

runSignalingConformance('mesh relay (rooms in a ring, latency 1-5 ms)', ringHarness({ latency: { min: 1, max: 5 } }))

runSignalingConformance('mesh relay with a room secret (signed relays, rooms in a ring)', ringHarness({}, 'c2lnbmFsaW5nLXN1aXRlLXJvb20tc2VjcmV0LTAwMDE'))
