/**
 * Updates held back until what they build on has arrived: the replica's replacement for
 * Yjs's pending structs and deletes. Bounded per peer and per room (count and bytes), and
 * each update expires: an update whose dependencies never come (garbage, or content a
 * crashed peer never finished sending) is dropped, and anti-entropy brings real content
 * again later. Held updates cost nothing per frame: only a document change that reaches
 * what one needs makes the replica look at it again.
 */
import type { PeerId } from '../transport.js'
import type { ContentLimits } from './content-limits.js'
import type { Needs } from './update-readiness.js'

/** One held update. */
export interface HeldUpdate {
  update: Uint8Array
  from: PeerId
  needs: Needs
  /** When it was first held (clock ms). */
  since: number
}

/** Why an update was dropped from the queue. */
export interface Dropped {
  held: HeldUpdate
  reason: 'expired' | 'overflow'
}

/** The bounds of a {@link HeldUpdates}. */
export type HeldLimits = Pick<ContentLimits, 'pendingUpdatesPerPeer' | 'pendingBytesPerPeer' | 'pendingUpdates' | 'pendingBytes' | 'pendingMs'>

/** The held updates of one room, oldest first. Internal. */
export class HeldUpdates {
  readonly #limits: HeldLimits
  #queue: HeldUpdate[] = []
  #bytes = 0
  readonly #perPeer = new Map<PeerId, { count: number; bytes: number }>()

  constructor(limits: HeldLimits) {
    this.#limits = limits
  }

  /** Updates held now. */
  get size(): number {
    return this.#queue.length
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes
  }

  /**
   * Holds `held`. An update larger than a peer's whole allowance is refused; otherwise the
   * oldest updates of the same peer, then of the room, make way. Returns what was dropped
   * (possibly `held` itself).
   */
  hold(held: HeldUpdate): Dropped[] {
    const size = held.update.byteLength
    const limits = this.#limits
    if (size > limits.pendingBytesPerPeer) return [{ held, reason: 'overflow' }]
    const dropped: Dropped[] = []
    const peer = (): { count: number; bytes: number } => this.#perPeer.get(held.from) ?? { count: 0, bytes: 0 }
    while (peer().count + 1 > limits.pendingUpdatesPerPeer || peer().bytes + size > limits.pendingBytesPerPeer) {
      const oldest = this.#queue.find((h) => h.from === held.from)
      if (oldest === undefined) break
      this.#remove(oldest)
      dropped.push({ held: oldest, reason: 'overflow' })
    }
    while (this.#queue.length + 1 > limits.pendingUpdates || this.#bytes + size > limits.pendingBytes) {
      const oldest = this.#queue[0]
      if (oldest === undefined) break
      this.#remove(oldest)
      dropped.push({ held: oldest, reason: 'overflow' })
    }
    this.#queue.push(held)
    this.#bytes += size
    const counts = peer()
    this.#perPeer.set(held.from, { count: counts.count + 1, bytes: counts.bytes + size })
    return dropped
  }

  /** Drops the updates held longer than `pendingMs` at time `now`, and returns them. */
  expire(now: number): Dropped[] {
    const dropped: Dropped[] = this.#queue.filter((h) => now - h.since >= this.#limits.pendingMs).map((held) => ({ held, reason: 'expired' as const }))
    for (const { held } of dropped) this.#remove(held)
    return dropped
  }

  /** Removes and returns the held updates for which `ready(needs)` holds, oldest first. */
  take(ready: (needs: Needs) => boolean): HeldUpdate[] {
    const taken = this.#queue.filter((h) => ready(h.needs))
    for (const held of taken) this.#remove(held)
    return taken
  }

  /** Drops everything held. */
  clear(): void {
    this.#queue = []
    this.#bytes = 0
    this.#perPeer.clear()
  }

  #remove(held: HeldUpdate): void {
    const index = this.#queue.indexOf(held)
    if (index < 0) return
    this.#queue.splice(index, 1)
    this.#bytes -= held.update.byteLength
    const counts = this.#perPeer.get(held.from)
    if (counts === undefined) return
    if (counts.count <= 1) this.#perPeer.delete(held.from)
    else this.#perPeer.set(held.from, { count: counts.count - 1, bytes: counts.bytes - held.update.byteLength })
  }
}
