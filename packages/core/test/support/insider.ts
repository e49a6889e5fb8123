/**
 * A hostile insider for live-room tests: a peer that holds the room secret and runs the real
 * engine, built as `createRoom` builds it (so it completes whatever handshake the room
 * requires and, with a secret, keeps its document behind the signed replica, as every
 * member does), but whose test also sends frames of its own making through that engine's
 * sessions: forged presence, forged relay origins, replays. Apart from those, it behaves
 * like an honest member, so every refusal an honest peer reports about it comes from a
 * forged frame. It records what it hears, so it can replay genuine frames later. Also a
 * transport wrapper that exposes the `SignalRelay` a room hands its transports.
 */
import * as Y from 'yjs'
import { generateIdentity } from '../../src/crypto/identity-keys.js'
import { RoomEngine } from '../../src/engine/room-engine.js'
import { followClient, roomAwareness } from '../../src/layers/presence.js'
import type { Frame } from '../../src/protocol/messages.js'
import { signedContent } from '../../src/room-trust-setup.js'
import type { SignedAwarenessEntry } from '../../src/protocol/messages-presence.js'
import { systemClock } from '../../src/clock.js'
import { systemRandom } from '../../src/random.js'
import { resolveRoomOptions } from '../../src/room-config.js'
import { zeroStats } from '../../src/room-stats.js'
import type { PeerId, SignalRelay, Transport } from '../../src/transport.js'
import { createRoomTrust, type RoomTrust } from '../../src/trust/room-trust.js'

/** A peer that runs the engine but lies. */
export interface Insider {
  readonly peerId: PeerId
  /** Its trust (keys and identity); undefined in an open room. */
  readonly trust: RoomTrust | undefined
  readonly engine: RoomEngine
  /** Every signed awareness entry it received, in order. */
  readonly heard: SignedAwarenessEntry[]
  /** Sends a frame of its own making to every neighbour. */
  sendToNeighbours(frame: Frame): PeerId[]
  close(): void
}

/** Options of {@link insider}. */
export interface InsiderInit {
  name: string
  transport: Transport
  /** The room secret; absent: an open room. */
  secret?: string
  roundMs?: number
}

/** Starts an insider peer in a room. */
export async function insider(init: InsiderInit): Promise<Insider> {
  const doc = new Y.Doc()
  const options = { name: init.name, doc, transports: [init.transport], roundMs: init.roundMs ?? 50, ...(init.secret === undefined ? {} : { secret: init.secret }) }
  const config = resolveRoomOptions(options)
  const trust = init.secret === undefined ? undefined : await createRoomTrust({ room: init.name, secret: init.secret, identity: await generateIdentity() })
  const awareness = roomAwareness(doc, undefined, true)
  if (trust !== undefined) {
    doc.clientID = trust.clientId
    followClient(awareness, trust.clientId)
  }
  awareness.setLocalState({ user: { name: 'mallory' } })
  const controller = new AbortController()
  const peerId = trust?.peerId ?? 'mallory'
  // With a secret, the document travels as signed entries (as in createRoom): a plain replica
  // would answer every sync with unsigned updates, which members refuse as malformed.
  const stats = zeroStats()
  const content =
    trust === undefined
      ? undefined
      : signedContent({ name: init.name, doc, origin: 'insider', trust, persistence: undefined, publish: (payload) => engine.broadcast.publish(payload), report: () => {}, stats })
  const engine: RoomEngine = new RoomEngine({
    room: init.name,
    peerId,
    doc,
    origin: 'insider',
    awareness,
    config,
    clock: systemClock(),
    random: systemRandom(),
    transports: [init.transport],
    stats,
    signal: controller.signal,
    emit: () => {},
    report: () => {},
    onSynced: () => {},
    ...(trust === undefined ? {} : { trust }),
    ...(content === undefined ? {} : { content }),
  })
  const heard: SignedAwarenessEntry[] = []
  const onSigned = engine.presence.onSignedAwareness.bind(engine.presence)
  engine.presence.onSignedAwareness = (peer, frame) => {
    heard.push(...frame.entries)
    onSigned(peer, frame)
  }
  await engine.start()
  return {
    peerId,
    trust,
    engine,
    heard,
    sendToNeighbours(frame) {
      const neighbours = engine.overlay.neighbours()
      engine.sessions.sendMany(neighbours, frame)
      return neighbours
    },
    close() {
      void engine.close()
      controller.abort()
      awareness.destroy()
      void init.transport.stop()
    },
  }
}

/** A transport that hands out the `SignalRelay` its room started it with. */
export function relayTap(inner: Transport, started?: (relay: SignalRelay) => void): { transport: Transport; relay(): SignalRelay } {
  let relay: SignalRelay | undefined
  const transport: Transport = {
    name: inner.name,
    start: (options) => {
      relay = options.relay
      if (relay !== undefined) started?.(relay)
      return inner.start(options)
    },
    join: (topic) => inner.join(topic),
    leave: (topic) => inner.leave(topic),
    dial: (peer, options) => inner.dial(peer, options),
    stop: () => inner.stop(),
    on: (event, listener) => inner.on(event, listener),
    once: (event, listener) => inner.once(event, listener),
    off: (event, listener) => inner.off(event, listener),
  }
  return {
    transport,
    relay: () => {
      if (relay === undefined) throw new Error('the room has not started its transport yet')
      return relay
    },
  }
}
