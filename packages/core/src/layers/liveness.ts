/**
 * Liveness: is each established peer still there? Every frame from a peer proves it alive.
 * A peer silent for `suspectMs` gets a Ping every round; one silent for twice as long is
 * declared dead (the overlay closes its session and remembers it as lost). In a busy room
 * the traffic itself answers, and in a quiet one anti-entropy probes silent neighbours one
 * round before a Ping would, so Pings are rare. The SWIM-style failure detector will live
 * here too.
 */
import type { LayerContext } from '../engine/context.js'
import { FrameType, type PingFrame, type PongFrame } from '../protocol/messages.js'
import { randomInt } from '../random.js'
import type { PeerId } from '../transport.js'

/** Tunables of liveness. */
export interface LivenessConfig {
  /** Silence after which a peer is pinged every round; after twice as long it is dead. */
  suspectMs: number
}

/** What liveness tells the room. */
export interface LivenessPorts {
  /** `peer` stayed silent too long. */
  dead(peer: PeerId): void
}

interface PeerLiveness {
  /** When its last frame arrived. */
  lastHeard: number
  /** The nonce of a Ping waiting for its Pong. */
  pendingPing: number | undefined
}

/** The liveness layer of one room. Internal. */
export class Liveness {
  readonly #ctx: LayerContext
  readonly #config: LivenessConfig
  readonly #ports: LivenessPorts
  readonly #peers = new Map<PeerId, PeerLiveness>()

  constructor(ctx: LayerContext, config: LivenessConfig, ports: LivenessPorts) {
    this.#ctx = ctx
    this.#config = config
    this.#ports = ports
  }

  up(peer: PeerId): void {
    this.#peers.set(peer, { lastHeard: this.#ctx.clock.now(), pendingPing: undefined })
  }

  down(peer: PeerId): void {
    this.#peers.delete(peer)
  }

  /** A frame arrived from `peer`. */
  heard(peer: PeerId): void {
    const entry = this.#peers.get(peer)
    if (entry !== undefined) entry.lastHeard = this.#ctx.clock.now()
  }

  /** When the last frame from `peer` arrived (undefined for a peer that is not up). */
  lastHeard(peer: PeerId): number | undefined {
    return this.#peers.get(peer)?.lastHeard
  }

  /** True when a Ping to `peer` waits for its Pong. */
  probing(peer: PeerId): boolean {
    return this.#peers.get(peer)?.pendingPing !== undefined
  }

  onPing(peer: PeerId, frame: PingFrame): void {
    this.#ctx.send(peer, { type: FrameType.Pong, room: this.#ctx.room, nonce: frame.nonce })
  }

  onPong(peer: PeerId, frame: PongFrame): void {
    const entry = this.#peers.get(peer)
    if (entry !== undefined && entry.pendingPing === frame.nonce) entry.pendingPing = undefined
  }

  /** Once per round: ping silent peers, and give up on those silent for too long. */
  tick(): void {
    const now = this.#ctx.clock.now()
    const suspectMs = this.#config.suspectMs
    for (const [peer, entry] of [...this.#peers]) {
      const silent = now - entry.lastHeard
      if (silent >= 2 * suspectMs) {
        this.#ports.dead(peer)
      } else if (silent >= suspectMs) {
        entry.pendingPing = randomInt(this.#ctx.random, 0x7fffffff)
        this.#ctx.send(peer, { type: FrameType.Ping, room: this.#ctx.room, nonce: entry.pendingPing })
      }
    }
  }
}
