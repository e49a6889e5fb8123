/**
 * Signaling relayed through the mesh. A signal for a neighbour goes straight to it;
 * otherwise it is flooded to neighbours with a small TTL and deduplicated by id. Signals
 * are rare (one exchange per new link), so a bounded flood is cheap and needs no routing
 * table. Once a peer is in the mesh, new links form even with the server gone.
 */
import { BoundedSet } from './bounded-set.js'
import { Emitter } from './emitter.js'
import type { Link } from './link.js'
import { FrameType, LIMITS, type Frame, type RelayFrame } from './protocol/messages.js'
import type { RandomSource } from './random.js'
import type { PeerId, SignalRelay, SignalRelayEvents } from './transport.js'

/** What the relay needs from its room. */
export interface RelayHost {
  readonly room: string
  /** Our peer id (it may change once, when a persisted identity loads). */
  localPeerId(): PeerId
  readonly random: RandomSource
  neighbours(): Link[]
  send(link: Link, frame: Frame): void
  onError(error: Error, peerId?: PeerId): void
}

/** Default hops a relayed signal may travel. Enough for rooms of a few hundred peers. */
export const RELAY_TTL = 4

/** The room's {@link SignalRelay}. Internal. */
export class MeshRelay implements SignalRelay {
  readonly #host: RelayHost
  readonly #seen = new BoundedSet<number>(4096)
  readonly #emitter: Emitter<SignalRelayEvents>

  constructor(host: RelayHost) {
    this.#host = host
    this.#emitter = new Emitter((error) => host.onError(error instanceof Error ? error : new Error(String(error))))
  }

  on: SignalRelay['on'] = (event, listener) => this.#emitter.on(event, listener)
  once: SignalRelay['once'] = (event, listener) => this.#emitter.once(event, listener)
  off: SignalRelay['off'] = (event, listener) => this.#emitter.off(event, listener)

  send(to: PeerId, data: Uint8Array): boolean {
    if (data.byteLength > LIMITS.relayBytes) return false
    const id = Math.floor(this.#host.random.next() * Number.MAX_SAFE_INTEGER)
    this.#seen.add(id)
    return this.#route({ type: FrameType.Relay, room: this.#host.room, id, origin: this.#host.localPeerId(), target: to, ttl: RELAY_TTL, payload: data }, undefined)
  }

  /** Handles a Relay frame from a neighbour: deliver it, pass it on, or drop it. */
  handle(from: Link, frame: RelayFrame): void {
    if (!this.#seen.add(frame.id)) return
    if (frame.target === this.#host.localPeerId()) {
      this.#emitter.emit('signal', { from: frame.origin, data: frame.payload })
      return
    }
    if (frame.origin === this.#host.localPeerId() || frame.ttl === 0) return
    this.#route({ ...frame, ttl: frame.ttl - 1 }, from)
  }

  #route(frame: RelayFrame, from: Link | undefined): boolean {
    const neighbours = this.#host.neighbours().filter((l) => l !== from)
    const direct = neighbours.find((l) => l.peerId === frame.target)
    const targets = direct === undefined ? neighbours : [direct]
    for (const link of targets) this.#host.send(link, frame)
    return targets.length > 0
  }

  destroy(): void {
    this.#emitter.clear()
  }
}
