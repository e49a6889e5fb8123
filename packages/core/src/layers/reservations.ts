/**
 * Slots of the active view that a transport was allowed to use for an inbound connection
 * (`admit`) which has not opened yet. A reservation ends when the connection opens, or
 * when it expires because it never did.
 */
import type { Clock, TimerHandle } from '../clock.js'
import type { PeerId } from '../transport.js'

/** Reserved inbound slots, one per peer. Internal. */
export class Reservations {
  readonly #held = new Map<PeerId, TimerHandle>()
  readonly #clock: Clock
  readonly #ttlMs: number

  constructor(clock: Clock, ttlMs: number) {
    this.#clock = clock
    this.#ttlMs = ttlMs
  }

  get size(): number {
    return this.#held.size
  }

  has(peerId: PeerId): boolean {
    return this.#held.has(peerId)
  }

  /** Holds a slot for `peerId` until {@link release} or the time-to-live passes. */
  reserve(peerId: PeerId): void {
    this.release(peerId)
    this.#held.set(peerId, this.#clock.setTimeout(() => this.#held.delete(peerId), this.#ttlMs))
  }

  release(peerId: PeerId): void {
    const timer = this.#held.get(peerId)
    if (timer === undefined) return
    this.#clock.clearTimeout(timer)
    this.#held.delete(peerId)
  }

  releaseAll(): void {
    for (const peerId of [...this.#held.keys()]) this.release(peerId)
  }
}
