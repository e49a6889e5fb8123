/**
 * The passive view (known peers we are not connected to) and the list of peers we lost,
 * kept for partition healing. The active view lives in the room as its open links.
 *
 * Each passive entry remembers its source: the neighbour whose handshake, shuffle or
 * goodbye named it, or the transport that discovered it. One source holds at most a quarter
 * of the view ({@link PeerViews.perSource}): a new entry from a source at its cap replaces
 * one of that source's own entries, and a full view makes room by dropping an entry of the
 * source that holds the most. Samples are drawn source by source. So a peer that floods
 * Peers frames with bogus ids fills its own share, never the whole view (eclipse defence,
 * docs/SECURITY.md).
 */
import { pick, sample, type RandomSource } from '../random.js'
import type { PeerId } from '../transport.js'

/** Known-peer bookkeeping of one room. Internal. */
export class PeerViews {
  readonly #self: PeerId
  readonly #random: RandomSource
  readonly #maxPassive: number
  /** Passive peers: the transport that can reach each (when known) and who told us of it. */
  readonly #passive = new Map<PeerId, { transport: string | undefined; source: string }>()
  /** Passive peers by source. */
  readonly #bySource = new Map<string, Set<PeerId>>()
  /** The most passive entries one source may hold. */
  readonly perSource: number
  /** Lost peers: how often a redial failed, and when the next one is due. */
  readonly #failed = new Map<PeerId, { attempts: number; due: number }>()
  readonly #maxFailed: number

  constructor(self: PeerId, random: RandomSource, maxPassive: number, maxFailed = 32) {
    this.#self = self
    this.#random = random
    this.#maxPassive = Math.max(1, maxPassive)
    this.#maxFailed = Math.max(1, maxFailed)
    this.perSource = Math.max(1, Math.ceil(this.#maxPassive / 4))
  }

  /**
   * Remembers `peerId` as reachable through `transport` (if given), learnt from `source` (a
   * neighbour's id, or `transport:<name>` for discovery). Never adds ourselves. A peer
   * already known keeps its source, unless `resource` (a transport vouches for it) and a
   * neighbour named it (storage and transports keep theirs).
   */
  addPassive(peerId: PeerId, transport?: string, source = 'local', resource = false): void {
    if (peerId === this.#self) return
    const known = this.#passive.get(peerId)
    if (known !== undefined && (!resource || known.source === 'local' || known.source.startsWith('transport:'))) {
      if (transport !== undefined) known.transport = transport
      return
    }
    if (known !== undefined) this.removePassive(peerId)
    const own = this.#bySource.get(source)
    if (own !== undefined && own.size >= this.perSource) this.removePassive(pick(this.#random, [...own]) as PeerId)
    else if (this.#passive.size >= this.#maxPassive) this.#dropFromLargest()
    this.#passive.set(peerId, { transport, source })
    const set = this.#bySource.get(source) ?? new Set<PeerId>()
    set.add(peerId)
    this.#bySource.set(source, set)
  }

  /** Drops a random entry of the source that holds the most (ties: the first found). */
  #dropFromLargest(): void {
    let largest: Set<PeerId> | undefined
    for (const set of this.#bySource.values()) if (largest === undefined || set.size > largest.size) largest = set
    const victim = largest === undefined ? undefined : pick(this.#random, [...largest])
    if (victim !== undefined) this.removePassive(victim)
  }

  /** The transport name recorded for `peerId`, if any. */
  transportOf(peerId: PeerId): string | undefined {
    return this.#passive.get(peerId)?.transport
  }

  /** The source recorded for passive peer `peerId`, if any. */
  sourceOf(peerId: PeerId): string | undefined {
    return this.#passive.get(peerId)?.source
  }

  /** True when `peerId` is in the passive view. */
  hasPassive(peerId: PeerId): boolean {
    return this.#passive.has(peerId)
  }

  /** Takes `peerId` out of the passive view. */
  removePassive(peerId: PeerId): void {
    const entry = this.#passive.get(peerId)
    if (entry === undefined) return
    this.#passive.delete(peerId)
    const set = this.#bySource.get(entry.source)
    set?.delete(peerId)
    if (set?.size === 0) this.#bySource.delete(entry.source)
  }

  /**
   * Moves `peerId` to the failed list: it stays a candidate for partition healing. A peer
   * we just lost is due at once; each failed redial doubles the wait (from `retryMs`, up to
   * 64×), so dead peers cost little and long partitions still heal.
   */
  markFailed(peerId: PeerId, now: number, retryMs: number): void {
    this.removePassive(peerId)
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
    this.removePassive(peerId)
    this.#failed.delete(peerId)
  }

  /** Removes `peerId` from the failed list (we reached it again). */
  clearFailed(peerId: PeerId): void {
    this.#failed.delete(peerId)
  }

  /**
   * Up to `k` random passive peers not in `exclude`, drawn source by source (a random source,
   * then a random peer of it), so a source with many entries is no likelier to be dialled.
   * With `sources`, only entries of the sources it accepts.
   */
  samplePassive(k: number, exclude: (peerId: PeerId) => boolean, sources?: (source: string) => boolean): PeerId[] {
    const groups: PeerId[][] = []
    for (const [source, set] of this.#bySource) {
      if (sources !== undefined && !sources(source)) continue
      const group = [...set].filter((id) => !exclude(id))
      if (group.length > 0) groups.push(group)
    }
    const out: PeerId[] = []
    while (out.length < k && groups.length > 0) {
      const index = Math.floor(this.#random.next() * groups.length)
      const group = groups[index] as PeerId[]
      const [peer] = sample(this.#random, group, 1)
      out.push(peer as PeerId)
      group.splice(group.indexOf(peer as PeerId), 1)
      if (group.length === 0) groups.splice(index, 1)
    }
    return out
  }

  /** One random failed peer that is due for a redial at `now` and not in `exclude`, if any. */
  pickFailed(now: number, exclude: (peerId: PeerId) => boolean): PeerId | undefined {
    const candidates = [...this.#failed].filter(([id, entry]) => entry.due <= now && !exclude(id)).map(([id]) => id)
    return sample(this.#random, candidates, 1)[0]
  }

  /** The passive peers. */
  passive(): PeerId[] {
    return [...this.#passive.keys()]
  }

  /** The lost peers. */
  failed(): PeerId[] {
    return [...this.#failed.keys()]
  }
}
