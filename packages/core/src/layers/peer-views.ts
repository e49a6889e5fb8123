/**
 * The passive view (known peers we are not connected to) and the list of peers we lost,
 * kept for partition healing. The active view lives in the room as its open links.
 */
import { randomInt, sample, type RandomSource } from '../random.js'
import type { PeerId } from '../transport.js'

/** Known-peer bookkeeping of one room. Internal. */
export class PeerViews {
  readonly #self: PeerId
  readonly #random: RandomSource
  readonly #maxPassive: number
  /** Passive peers, with the name of the transport that can reach them, when known. */
  readonly #passive = new Map<PeerId, string | undefined>()
  /** Lost peers: how often a redial failed, and when the next one is due. */
  readonly #failed = new Map<PeerId, { attempts: number; due: number }>()
  readonly #maxFailed: number

  constructor(self: PeerId, random: RandomSource, maxPassive: number, maxFailed = 32) {
    this.#self = self
    this.#random = random
    this.#maxPassive = Math.max(1, maxPassive)
    this.#maxFailed = Math.max(1, maxFailed)
  }

  /** Remembers `peerId` as reachable through `transport` (if given). Never adds ourselves. */
  addPassive(peerId: PeerId, transport?: string): void {
    if (peerId === this.#self) return
    if (this.#passive.has(peerId)) {
      if (transport !== undefined) this.#passive.set(peerId, transport)
      return
    }
    if (this.#passive.size >= this.#maxPassive) {
      let skip = randomInt(this.#random, this.#passive.size)
      for (const victim of this.#passive.keys()) {
        if (skip-- > 0) continue
        this.#passive.delete(victim)
        break
      }
    }
    this.#passive.set(peerId, transport)
  }

  /** The transport name recorded for `peerId`, if any. */
  transportOf(peerId: PeerId): string | undefined {
    return this.#passive.get(peerId)
  }

  hasPassive(peerId: PeerId): boolean {
    return this.#passive.has(peerId)
  }

  removePassive(peerId: PeerId): void {
    this.#passive.delete(peerId)
  }

  /**
   * Moves `peerId` to the failed list: it stays a candidate for partition healing. A peer
   * we just lost is due at once; each failed redial doubles the wait (from `retryMs`, up to
   * 64×), so dead peers cost little and long partitions still heal.
   */
  markFailed(peerId: PeerId, now: number, retryMs: number): void {
    this.#passive.delete(peerId)
    const previous = this.#failed.get(peerId)
    const attempts = previous === undefined ? 0 : previous.attempts + 1
    this.#failed.delete(peerId)
    if (this.#failed.size >= this.#maxFailed) {
      const oldest = this.#failed.keys().next()
      if (oldest.done !== true) this.#failed.delete(oldest.value)
    }
    this.#failed.set(peerId, { attempts, due: now + (attempts === 0 ? 0 : retryMs * 2 ** Math.min(attempts - 1, 6)) })
  }

  /** Forgets a peer completely (it left the room on purpose). */
  forget(peerId: PeerId): void {
    this.#passive.delete(peerId)
    this.#failed.delete(peerId)
  }

  /** Removes `peerId` from the failed list (we reached it again). */
  clearFailed(peerId: PeerId): void {
    this.#failed.delete(peerId)
  }

  /** Up to `k` random passive peers not in `exclude`. */
  samplePassive(k: number, exclude: (peerId: PeerId) => boolean): PeerId[] {
    const candidates = [...this.#passive.keys()].filter((id) => !exclude(id))
    return sample(this.#random, candidates, k)
  }

  /** One random failed peer that is due for a redial at `now` and not in `exclude`, if any. */
  pickFailed(now: number, exclude: (peerId: PeerId) => boolean): PeerId | undefined {
    const candidates = [...this.#failed].filter(([id, entry]) => entry.due <= now && !exclude(id)).map(([id]) => id)
    return sample(this.#random, candidates, 1)[0]
  }

  passive(): PeerId[] {
    return [...this.#passive.keys()]
  }

  failed(): PeerId[] {
    return [...this.#failed.keys()]
  }
}
