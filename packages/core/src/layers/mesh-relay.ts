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
 *
 * In a room with a secret, signals travel as SignedRelay frames: the origin signs room, id,
 * origin, target and payload, and every peer (forwarders too) verifies the signature before
 * it delivers or forwards one, so a signal is only ever delivered as coming from the peer
 * that sent it, and a forged one dies at the first honest hop. Unsigned Relay frames are
 * refused there. Verification runs in a small bounded queue per neighbour, in arrival order.
 */
import { BoundedSet } from '../bounded-set.js'
import { Emitter } from '../emitter.js'
import { CryptoError } from '../crypto/errors.js'
import type { LayerContext } from '../engine/context.js'
import { FrameType, LIMITS, type RelayFrame } from '../protocol/messages.js'
import type { SignedRelayFrame } from '../protocol/messages-presence.js'
import type { PeerId, SignalPath, SignalPathEvents } from '../transport.js'
import { FrameNotAllowedError, SignatureError, VerifyOverloadError } from '../trust/errors.js'
import { relaySigningMessage } from '../trust/presence-signatures.js'
import type { RoomTrust } from '../trust/room-trust.js'
import { VerifyQueue } from '../trust/verify-queue.js'

/** Default hops a relayed signal may travel. Enough for rooms of a few hundred peers. */
export const RELAY_TTL = 4
/** Most signals of one neighbour waiting for verification, and their bytes. */
const QUEUE_LIMITS = { items: 32, bytes: 4 * LIMITS.relayBytes }
/** Most of our own signals waiting to be signed. */
const MAX_SIGNING = 64

/** The room's {@link SignalPath} through the mesh. Internal. */
export class MeshRelay implements SignalPath {
  readonly maxSignalBytes = LIMITS.relayBytes
  readonly #ctx: LayerContext
  readonly #seen = new BoundedSet<number>(4096)
  readonly #neighbours = new Set<PeerId>()
  readonly #emitter: Emitter<SignalPathEvents>
  readonly #trust: RoomTrust | undefined
  readonly #queue: VerifyQueue
  /** Our signals being signed, in order. */
  #signTail: Promise<void> = Promise.resolve()
  #signing = 0
  #stopped = false

  constructor(ctx: LayerContext, trust?: RoomTrust) {
    this.#ctx = ctx
    this.#trust = trust
    this.#emitter = new Emitter((error) => ctx.report(error instanceof Error ? error : new Error(String(error))))
    this.#queue = new VerifyQueue(QUEUE_LIMITS, (error, peer) => ctx.report(error, peer))
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
    if (this.#trust !== undefined) return this.#sendSigned(this.#trust, id, to, data)
    return this.#route({ type: FrameType.Relay, room: this.#ctx.room, id, origin: this.#ctx.peerId, target: to, ttl: RELAY_TTL, payload: data }, undefined)
  }

  /** Signs a signal (after the ones before it, so they leave in order), then routes it. */
  #sendSigned(trust: RoomTrust, id: number, target: PeerId, payload: Uint8Array): boolean {
    if (this.#neighbours.size === 0 || this.#signing >= MAX_SIGNING) return false
    this.#signing++
    // Copied: the caller may reuse its buffer before the signature is ready.
    const fields = { id, origin: this.#ctx.peerId, target, payload: payload.slice() }
    this.#signTail = this.#signTail
      .then(async () => {
        const signature = await trust.identity.sign(relaySigningMessage(trust.keys.room, fields))
        if (!this.#stopped) this.#route({ type: FrameType.SignedRelay, room: this.#ctx.room, ...fields, ttl: RELAY_TTL, signature }, undefined)
      })
      .catch((cause: unknown) => this.#ctx.report(new CryptoError('relay: signing a signal failed', { cause })))
      .finally(() => this.#signing--)
    return true
  }

  /** Handles a Relay frame from a peer: deliver it, pass it on, or drop it. Refused in a room with a secret. */
  onRelay(from: PeerId, frame: RelayFrame): void {
    if (this.#stopped) return
    if (this.#trust !== undefined) return this.#reject(new FrameNotAllowedError('relay: an unsigned Relay frame in a room with a secret'), from)
    if (!this.#seen.add(frame.id)) return
    if (frame.target === this.#ctx.peerId) {
      this.#emitter.emit('signal', { from: frame.origin, data: frame.payload })
      return
    }
    if (frame.origin === this.#ctx.peerId || frame.ttl === 0) return
    this.#route({ ...frame, ttl: frame.ttl - 1 }, from)
  }

  /**
   * Handles a SignedRelay frame: verifies the origin's signature (in `from`'s queue), then
   * delivers it, passes it on, or drops it. Refused in an open room.
   */
  onSignedRelay(from: PeerId, frame: SignedRelayFrame): void {
    const trust = this.#trust
    if (this.#stopped) return
    if (trust === undefined) return this.#reject(new FrameNotAllowedError('relay: a SignedRelay frame in an open room'), from)
    if (this.#seen.has(frame.id) || frame.origin === this.#ctx.peerId) return
    const queued = this.#queue.run(from, { items: 1, bytes: frame.payload.length }, async () => {
      let valid: boolean
      try {
        const key = await trust.verifier(frame.origin)
        valid = await key.verify(relaySigningMessage(trust.keys.room, frame), frame.signature)
      } catch (cause) {
        if (!this.#stopped) this.#reject(cause instanceof Error ? cause : new SignatureError('relay: the origin is not a key', { cause }), from)
        return
      }
      if (this.#stopped) return
      if (!valid) return this.#reject(new SignatureError(`relay: the signature of origin ${frame.origin} does not verify`), from)
      // Marked only once verified, so a forged copy cannot shadow the real one.
      if (!this.#seen.add(frame.id)) return
      if (frame.target === this.#ctx.peerId) {
        this.#emitter.emit('signal', { from: frame.origin, data: frame.payload })
        return
      }
      if (frame.ttl > 0) this.#route({ ...frame, ttl: frame.ttl - 1 }, from)
    })
    if (!queued) this.#reject(new VerifyOverloadError(`relay: ${this.#queue.pending(from)} signals already waiting for verification`), from)
  }

  /** Signals of `peer` waiting for their signature check. */
  pending(peer: PeerId): number {
    return this.#queue.pending(peer)
  }

  #reject(error: Error, peer: PeerId): void {
    this.#ctx.stats.framesRejected++
    this.#ctx.stats.relaysRejected++
    this.#ctx.report(error, peer)
  }

  #route(frame: RelayFrame | SignedRelayFrame, from: PeerId | undefined): boolean {
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
