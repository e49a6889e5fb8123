/**
 * Signaling relayed through the mesh. A signal for a neighbour goes straight to it;
 * otherwise it is flooded to neighbours with a small TTL and deduplicated by id. Signals
 * are rare (one exchange per new link), so a bounded flood is cheap and needs no routing
 * table. Once a peer is in the mesh, new links form even with the server gone. The room
 * hands this layer to its transports as their {@link SignalPath} (`relay`).
 *
 * What it guarantees, beyond the seam's contract: a signal is delivered at most once (ids
 * are deduplicated, within the last 4096 seen), only if a route of at most
 * {@link RELAY_TTL} + 1 hops exists while it travels, and in order only between direct
 * neighbours (a flood may overtake an earlier one on another route). It never learns that a
 * signal was lost, so it never emits `signal:undelivered`. After the room closes
 * (`destroy()`), `send` returns false and nothing is emitted.
 */
import { BoundedSet } from '../bounded-set.js'
import { Emitter } from '../emitter.js'
import type { LayerContext } from '../engine/context.js'
import { FrameType, LIMITS, type RelayFrame } from '../protocol/messages.js'
import type { PeerId, SignalPath, SignalPathEvents } from '../transport.js'

/** Default hops a relayed signal may travel. Enough for rooms of a few hundred peers. */
export const RELAY_TTL = 4

/** The room's {@link SignalPath} through the mesh. Internal. */
export class MeshRelay implements SignalPath {
  readonly maxSignalBytes = LIMITS.relayBytes
  readonly #ctx: LayerContext
  readonly #seen = new BoundedSet<number>(4096)
  readonly #neighbours = new Set<PeerId>()
  readonly #emitter: Emitter<SignalPathEvents>
  #stopped = false

  constructor(ctx: LayerContext) {
    this.#ctx = ctx
    this.#emitter = new Emitter((error) => ctx.report(error instanceof Error ? error : new Error(String(error))))
  }

  on: SignalPath['on'] = (event, listener) => this.#emitter.on(event, listener)
  once: SignalPath['once'] = (event, listener) => this.#emitter.once(event, listener)
  off: SignalPath['off'] = (event, listener) => this.#emitter.off(event, listener)

  up(peer: PeerId, neighbour: boolean): void {
    if (neighbour && !this.#stopped) this.#neighbours.add(peer)
  }

  down(peer: PeerId): void {
    this.#neighbours.delete(peer)
  }

  send(to: PeerId, data: Uint8Array): boolean {
    if (this.#stopped || data.byteLength > this.maxSignalBytes) return false
    const id = Math.floor(this.#ctx.random.next() * Number.MAX_SAFE_INTEGER)
    this.#seen.add(id)
    return this.#route({ type: FrameType.Relay, room: this.#ctx.room, id, origin: this.#ctx.peerId, target: to, ttl: RELAY_TTL, payload: data }, undefined)
  }

  /** Handles a Relay frame from a peer: deliver it, pass it on, or drop it. */
  onRelay(from: PeerId, frame: RelayFrame): void {
    if (this.#stopped || !this.#seen.add(frame.id)) return
    if (frame.target === this.#ctx.peerId) {
      this.#emitter.emit('signal', { from: frame.origin, data: frame.payload })
      return
    }
    if (frame.origin === this.#ctx.peerId || frame.ttl === 0) return
    this.#route({ ...frame, ttl: frame.ttl - 1 }, from)
  }

  #route(frame: RelayFrame, from: PeerId | undefined): boolean {
    const targets = this.#neighbours.has(frame.target) && frame.target !== from ? [frame.target] : [...this.#neighbours].filter((p) => p !== from)
    if (targets.length > 0) this.#ctx.sendMany(targets, frame)
    return targets.length > 0
  }

  /** The room closed: refuse every send, pass nothing on, emit nothing. */
  destroy(): void {
    this.#stopped = true
    this.#neighbours.clear()
    this.#emitter.clear()
  }
}
