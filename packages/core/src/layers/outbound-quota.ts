/**
 * The outbound quota of the overlay (eclipse defence, docs/SECURITY.md, Eclipse and
 * sybils): the neighbours a peer dialled itself, which inbound requests never evict
 * (admission.ts), are kept at the quota while the peer is under pressure.
 *
 * - **Refilled at once.** A self-dialled link that goes down, or a refill dial that fails,
 *   starts the next refill dial right away (a few per round at most), not at the next round.
 *   Refill dials ask with a low priority; after one was refused as full, with a high one
 *   (honest peers are often full, and the acceptor's own quota and eviction rate bound what
 *   that costs it).
 * - **One spare under pressure.** Under pressure the target is the quota plus one, so that a
 *   self-dialled link lost (the peer at its other end may evict it: to that peer it is an
 *   inbound link) still leaves the quota while its replacement dials.
 * - **Candidates the attacker did not name.** Refill dials go to passive peers first
 *   learnt from a transport (the signaling server, storage) or from a neighbour we dialled
 *   ourselves. When there is none (a peer that dialled nobody, such as the first of a room,
 *   knows peers only from inbound neighbours, which may all be sybils), the quota asks the
 *   transports for peers again ({@link REDISCOVER_EVERY_ROUNDS}) and waits a round for their
 *   answer; only when that finds nobody either, a refill dial goes to any passive peer.
 *
 * In a calm room (no pressure) nothing here dials: refills would only add churn. Nor does it
 * dial while the view is over its cap already, so a peer exceeds the cap by one at most.
 */
import { BoundedSet } from '../bounded-set.js'
import type { PeerId } from '../transport.js'

/** Refill dials that may start within one round (the first one included). */
const DIALS_PER_ROUND = 3
/** Rounds between two rediscovery requests of the quota (each costs the discovery service a query). */
export const REDISCOVER_EVERY_ROUNDS = 5

/** What the quota asks of the overlay. */
export interface QuotaPorts {
  /** Self-dialled neighbours now. */
  outbound(): number
  /** True while a session or dial with `peer` exists that is not an established link yet. */
  pending(peer: PeerId): boolean
  /** One passive peer not linked nor dialled yet, from a source `sources` accepts (absent: any). */
  sample(sources?: (source: string) => boolean): PeerId | undefined
  /** Dials `peer`, with a high priority or a low one (once up, an inbound neighbour makes room). */
  dial(peer: PeerId, high: boolean): void
  /** True while inbound requests press on the active view (see Admission.underPressure). */
  underPressure(): boolean
  /** True while the active view uses more slots than its cap (a spare slot, or a refill coming up). */
  overCap(): boolean
  /** Asks the transports' discovery services for peers again (see Transport.rediscover). */
  rediscover(): void
}

/** The outbound quota of one overlay. Internal. */
export class OutboundQuota {
  /** Self-dialled neighbours that inbound requests never evict. */
  readonly quota: number
  readonly #ports: QuotaPorts
  readonly #cap: number
  /** The refill dial in flight, if any. */
  #dialling: PeerId | undefined
  #dialsThisRound = 0
  /** The last refill dial was refused as full: the next asks for room. */
  #refusedFull = false
  /** Peers we dialled and linked to: the peers they name are trusted candidates. */
  readonly #dialled = new BoundedSet<PeerId>(64)
  /** Rounds since the last rediscovery request: its answer may be on its way (< 1); the next may go at {@link REDISCOVER_EVERY_ROUNDS}. */
  #sinceAsked = Number.POSITIVE_INFINITY

  /**
   * @param quota self-dialled neighbours inbound requests never evict
   * @param maxNeighbours the cap of the active view (the target never reaches it)
   */
  constructor(quota: number, maxNeighbours: number, ports: QuotaPorts) {
    this.quota = quota
    this.#cap = Math.max(quota, maxNeighbours - 1)
    this.#ports = ports
  }

  /** Self-dialled neighbours to keep now: the quota, one more under pressure. */
  target(): number {
    return this.#ports.underPressure() ? Math.min(this.quota + 1, this.#cap) : this.quota
  }

  /** A link we dialled came up with `peer`. */
  linked(peer: PeerId): void {
    this.#dialled.add(peer)
    // The refill is done: a later refusal by this peer is not the refill's.
    if (peer === this.#dialling) this.#dialling = undefined
  }

  /** Once per round: a refill dial when under pressure and below the target. */
  round(): void {
    this.#dialsThisRound = 0
    this.#sinceAsked++
    this.keep()
  }

  /** A self-dialled link went down: refill now. */
  lost(): void {
    this.keep()
  }

  /** A dial to `peer` failed (`full`: refused as full): if it was the refill dial, the next one starts now. */
  failed(peer: PeerId, full = false): void {
    if (peer !== this.#dialling) return
    this.#dialling = undefined
    this.#refusedFull = full
    this.keep()
  }

  /** Dials one candidate when under pressure, below the target and no refill is in flight. */
  keep(): void {
    const pending = this.#dialling
    if (pending !== undefined && this.#ports.pending(pending)) return
    this.#dialling = undefined
    if (!this.#ports.underPressure() || this.#ports.outbound() >= this.target()) return
    // Over the cap already (a dialer authenticating on a spare slot, say): one exception at a time.
    if (this.#ports.overCap()) return
    if (this.#dialsThisRound >= DIALS_PER_ROUND) return
    const trusted = (source: string): boolean => source.startsWith('transport:') || source === 'local' || this.#dialled.has(source)
    let peer = this.#ports.sample(trusted)
    if (peer === undefined) {
      if (this.#sinceAsked >= REDISCOVER_EVERY_ROUNDS) {
        this.#sinceAsked = 0
        this.#ports.rediscover()
      }
      // The answer arrives as discovered peers (trusted candidates); wait one round for it.
      if (this.#sinceAsked < 1) return
      peer = this.#ports.sample()
    }
    if (peer === undefined) return
    this.#dialsThisRound++
    this.#dialling = peer
    const high = this.#refusedFull
    this.#refusedFull = false
    this.#ports.dial(peer, high)
  }
}
