/**
 * Self-refresh and staleness for the members layer. The failure detector probes over links,
 * so a member whose every neighbour dies with it has nobody left to probe it. To close that
 * gap every member periodically raises its incarnation and spreads its new `alive` on probes
 * and acks (a room-wide heartbeat; member-news.ts), and every member suspects a record that has
 * not been refreshed for {@link STALE_REFRESHES} refresh periods (stretched by local health); the suspicion then
 * takes the normal path (confirmations, timeout, `failed`), so a member that is alive but was
 * merely unheard refutes it like any other.
 *
 * Traffic stays flat in the room's size: the refresh period grows with the number of live
 * members, so the whole room refreshes about `perPeriod` records per probe period whatever
 * its size (each record then rides on a few of every peer's probes and acks). The price is
 * detection time for this rare case, which grows linearly with the room: a refresh every
 * max({@link MIN_REFRESH_PERIODS}, (live + 1) / perPeriod) periods (with the room's default
 * of 0.25 refreshes per period: 40 periods at 10 members, 400 at 100, 4,000 at 1,000).
 */
import { hash53 } from '../hash.js'
import type { PeerId } from '../transport.js'
import type { MemberEntry } from './member-table.js'

/** Refresh periods without news of a member after which it is suspected. */
export const STALE_REFRESHES = 4
/** The shortest refresh period, in probe periods (small rooms). */
export const MIN_REFRESH_PERIODS = 10

/** When this peer refreshes itself, and which members went stale. Internal to the members layer. */
export class MemberRefresh {
  readonly #probeMs: number
  readonly #perPeriod: number
  readonly #self: () => PeerId
  /** When the current refresh cycle began (undefined: not yet), and its length in refresh periods. */
  #last: number | undefined
  #cycle = 0
  #nextCheck = 0
  #count = 0

  /** `perPeriod`: refreshes the whole room sends per probe period, on average; `self`: this peer's id. */
  constructor(probeMs: number, perPeriod: number, self: () => PeerId) {
    this.#probeMs = probeMs
    this.#perPeriod = perPeriod
    this.#self = self
  }

  /** The refresh period, in ms, of a room with `live` live members besides this peer. */
  periodMs(live: number): number {
    return Math.max(MIN_REFRESH_PERIODS, Math.ceil((live + 1) / this.#perPeriod)) * this.#probeMs
  }

  /**
   * Whether this peer's refresh is due at `now`. The first one falls at a pseudo-random point
   * of the first period (members that started together do not refresh together); each later
   * one 0.75 to 1.25 refresh periods after the last. The jitter is a hash of this peer's id
   * and a counter, so the room's shared random sequence is left to the layers that use it.
   * The period is taken at each call from the current room size, so a newcomer whose table is
   * still filling does not refresh at a small room's pace.
   */
  due(now: number, live: number): boolean {
    if (this.#last === undefined) {
      this.#last = now
      this.#cycle = this.#jitter()
      return false
    }
    if (now < this.#last + this.#cycle * this.periodMs(live)) return false
    this.#last = now
    this.#cycle = 0.75 + 0.5 * this.#jitter()
    return true
  }

  /** A number in [0, 1), spread evenly over peers and refreshes. */
  #jitter(): number {
    return hash53(new TextEncoder().encode(this.#self()), this.#count++) / 2 ** 53
  }

  /**
   * Members (alive or suspect, not neighbours: probes watch those) not heard of for
   * {@link STALE_REFRESHES} refresh periods times `factor` (local health). Checked about four
   * times per refresh period; between checks it returns nothing.
   */
  stale(entries: Iterable<MemberEntry>, now: number, live: number, factor: number, neighbours: ReadonlySet<PeerId>): PeerId[] {
    const period = this.periodMs(live)
    if (now < this.#nextCheck) return []
    this.#nextCheck = now + period / 4
    const limit = STALE_REFRESHES * period * Math.max(1, factor)
    const out: PeerId[] = []
    for (const entry of entries) {
      if ((entry.status === 'alive' || entry.status === 'suspect') && now - entry.refreshed > limit && !neighbours.has(entry.peer)) out.push(entry.peer)
    }
    return out
  }
}
