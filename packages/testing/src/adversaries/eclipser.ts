/**
 * The eclipser: a crowd of sybils that tries to cut one peer (the victim) off from the
 * honest room. Each sybil is a {@link ScriptedAdversary} with its own id and transport. It
 * dials the victim as urgent and joins with a high priority (asking it to evict a
 * neighbour), names only sybils and bogus ids in its Hello and in Peers frames (to fill the
 * victim's passive view), sends presence for made-up clients (so that the victim believes
 * it sees everyone and stops redialling), answers every anti-entropy Digest with a
 * DigestMatch (a lie: it holds nothing) and never forwards a Delta. Every frame it sends is
 * valid, so peer scoring alone does not stop it: the overlay's eclipse defences must
 * (docs/SECURITY.md, Eclipse and sybils).
 */
import { FrameType, JoinPriority, LIMITS, type Clock, type PeerId, type Transport } from '@gossamer/core'
import * as encoding from 'lib0/encoding'
import { ScriptedAdversary, type Adversary } from './scripted-adversary.js'

/** Options of {@link eclipser}. */
export interface EclipserInit {
  /** Makes a transport of its own on the room's network (e.g. `() => network.transport()`), one per sybil. */
  transport: () => Transport
  /** The room's name. */
  room: string
  /** The room's clock. */
  clock: Clock
  /** The peer it tries to eclipse. */
  target: PeerId
  /** Number of sybils. Default 6. */
  sybils?: number
  /** Prefix of the sybils' peer ids (`<prefix>0`, `<prefix>1`, ...). Default `sybil-`. */
  prefix?: string
  /** Bogus peer ids each sybil names in all (fresh ones in every Peers frame). Default 3,200 / sybils. */
  bogusIds?: number
  /** Made-up presence clients each sybil claims. Default 40. */
  fakeClients?: number
  /** How often each sybil's script steps, in ms. Default 100. */
  tickMs?: number
  /** How often a sybil that was cut off tries again, in ms. Default 500. */
  retryMs?: number
}

/** A running eclipser: its sybils, each an {@link Adversary}. */
export interface Eclipser extends Adversary {
  /** The sybils (the first is also {@link Adversary.peer}). */
  readonly sybils: readonly Adversary[]
  /** How many sybils are welcomed by the victim right now. */
  connected(): number
}

/** Steps between two Peers frames, and between two presence renewals. */
const PEERS_EVERY = 5
const PRESENCE_EVERY = 50

/** An awareness update claiming a state for each of `count` clients from `first`, at `clock`. */
function fakePresence(first: number, count: number, clock: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, count)
  for (let i = 0; i < count; i++) {
    encoding.writeVarUint(encoder, first + i)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, JSON.stringify({ user: { name: `peer ${first + i}` } }))
  }
  return encoding.toUint8Array(encoder)
}

/** An eclipser of `init.target`. */
export function eclipser(init: EclipserInit): Eclipser {
  const count = init.sybils ?? 6
  const prefix = init.prefix ?? 'sybil-'
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${i}`)
  const bogusPerSybil = init.bogusIds ?? Math.ceil(3200 / count)
  const fakeClients = init.fakeClients ?? 40
  const sybils = ids.map((peerId, index) => {
    let bogus = 0
    const others = ids.filter((id) => id !== peerId)
    const adversary = new ScriptedAdversary(
      'eclipser',
      {
        ...{ transport: init.transport(), peerId, room: init.room, clock: init.clock, target: init.target },
        ...{ priority: JoinPriority.High, urgent: true, helloPeers: others, tickMs: init.tickMs ?? 100, retryMs: init.retryMs ?? 500 },
      },
      (peer, tick) => {
        if (tick % PEERS_EVERY === 0) {
          const room = Math.max(0, LIMITS.peersPerFrame - others.length)
          const fresh = Array.from({ length: Math.min(room, bogusPerSybil - bogus) }, () => `${prefix}${index}-bogus-${bogus++}`)
          peer.sendFrame({ type: FrameType.Peers, room: '', peers: [...others, ...fresh], reply: true })
        }
        if (tick % PRESENCE_EVERY === 0) {
          const first = 0x5b_0000 + index * 0x1000
          peer.sendFrame({ type: FrameType.Awareness, room: '', update: fakePresence(first, fakeClients, 1 + tick / PRESENCE_EVERY) })
        }
      },
    )
    adversary.peer.onFrame((frame) => {
      // The lie: "same digest, nothing to exchange". Deltas are dropped, never forwarded.
      if (frame.type === FrameType.Digest) adversary.peer.sendFrame({ type: FrameType.DigestMatch, room: '', digest: frame.digest })
    })
    return adversary
  })
  const first = sybils[0] as ScriptedAdversary
  return {
    name: 'eclipser',
    peer: first.peer,
    sybils,
    connected: () => sybils.filter((s) => s.peer.open).length,
    async start() {
      const joined = await Promise.all(sybils.map((s) => s.start()))
      return joined.some(Boolean)
    },
    async stop() {
      await Promise.all(sybils.map((s) => s.stop()))
    },
  }
}
