/**
 * Admission: whether an inbound request gets a slot of the active view, and which neighbour
 * it may push out. A transport asks before it sets up an inbound connection (`admit`, with
 * the dialer's `urgent` flag); a dialer's Hello asks to join with a priority (`join`).
 *
 * Two rules keep a crowd of sybils from taking every slot (eclipse defence, docs/SECURITY.md):
 *
 * - **Outbound quota.** Neighbours we dialled ourselves, up to {@link AdmissionConfig.outboundQuota}
 *   of them, are never evicted by an inbound request: the victim is an inbound neighbour, or
 *   a self-dialled one only while we hold more than the quota. We chose those peers from our
 *   own (diversified) passive view, so an attacker cannot pick them for us.
 * - **Eviction rate.** Evictions caused by inbound requests draw on a token bucket (one per
 *   {@link AdmissionConfig.evictEveryMs}, bursts of {@link EVICTION_BURST}), so a stream of
 *   urgent dials or high-priority Hellos cannot churn the neighbours.
 *
 * A request that may evict nobody is refused as full. Our own rewiring (the overlay's
 * `reconnect`) is not an inbound request and follows neither rule.
 */
import type { LayerContext, LinkInfo } from '../engine/context.js'
import type { JoinDecision } from '../engine/session-ports.js'
import { CloseCode, JoinPriority, type JoinPriorityValue } from '../protocol/messages.js'
import { pick } from '../random.js'
import type { PeerId } from '../transport.js'
import { Reservations } from './reservations.js'
import { TokenBucket } from '../token-bucket.js'

/** Evictions inbound requests may cause back to back. */
export const EVICTION_BURST = 2

/** Refusals within `pressureMs` that put a peer under pressure (see Admission.underPressure). */
export const PRESSURE_REFUSALS = 3

/** Tunables of admission. */
export interface AdmissionConfig {
  /** The cap of the active view. */
  maxNeighbours: number
  /** Self-dialled neighbours that inbound requests never evict. */
  outboundQuota: number
  /** Inbound requests evict at most one neighbour per this many ms (bursts of {@link EVICTION_BURST}). */
  evictEveryMs: number
  /** After an inbound eviction, the overlay refills its outbound quota for this long. */
  pressureMs: number
  /** How long an inbound slot stays reserved for a connection that does not open. */
  reservationMs: number
}

/** What admission asks of the overlay. */
export interface AdmissionPorts {
  /** Sessions in any state plus dials in flight (reservations not included). */
  sessions(): number
  /** Established links, in the order they came up. */
  links(): ReadonlyMap<PeerId, LinkInfo>
  /** Closes `victim` as evicted, telling it where else to go. */
  evict(victim: PeerId): void
  /** Peers to suggest to a joiner we refuse. */
  sample(exclude: PeerId): PeerId[]
}

/** The outbound quota for a cap of `maxNeighbours`: a third of the slots, at least one. */
export function outboundQuota(maxNeighbours: number): number {
  return Math.max(1, Math.ceil(maxNeighbours / 3))
}

/** Admission of inbound requests in one room. Internal. */
export class Admission {
  readonly #ctx: LayerContext
  readonly #config: AdmissionConfig
  readonly #ports: AdmissionPorts
  readonly #signal: AbortSignal
  /** Inbound connections a transport was allowed to set up, not yet open. */
  readonly reserved: Reservations
  readonly #evictions: TokenBucket
  /** Inbound requests refused because nobody could be evicted (quota or rate). */
  refused = 0
  /** When an inbound request last evicted a neighbour (-Infinity: never). */
  lastEvictionAt = -Infinity
  /** When the last {@link PRESSURE_REFUSALS} inbound requests that could evict nobody were refused, oldest first. */
  readonly #refusals: number[] = []

  constructor(ctx: LayerContext, config: AdmissionConfig, ports: AdmissionPorts, signal: AbortSignal) {
    this.#ctx = ctx
    this.#config = config
    this.#ports = ports
    this.#signal = signal
    this.reserved = new Reservations(ctx.clock, config.reservationMs)
    this.#evictions = new TokenBucket(1000 / Math.max(1, config.evictEveryMs), EVICTION_BURST, ctx.clock.now())
  }

  /**
   * True while inbound requests press on the active view: {@link PRESSURE_REFUSALS} were
   * refused within the last `pressureMs` because the quota or the eviction rate let them
   * evict nobody. Then the overlay keeps its outbound quota topped up (outbound-quota.ts).
   * Evictions, or a refusal now and then, do not count: honest rooms see those while they
   * form and settle (starving peers ask for room), and refills there only add churn; a
   * crowd of inbound requests is refused again and again.
   */
  underPressure(): boolean {
    const oldest = this.#refusals.length < PRESSURE_REFUSALS ? undefined : this.#refusals[0]
    return oldest !== undefined && this.#ctx.clock.now() - oldest <= this.#config.pressureMs
  }

  /** Slots of the active view in use: sessions in any state, dials in flight, reserved inbound. */
  slotsUsed(): number {
    return this.#ports.sessions() + this.reserved.size
  }

  /**
   * A transport asks whether it may set up an inbound connection from `peer`. Yes reserves a
   * slot until the connection opens or the reservation expires. When full, an `urgent`
   * dialer (it has no neighbour) gets room by evicting one if {@link victim} allows; unless
   * `evict` is false (a room with a secret decides nothing for a dialer before it is
   * authenticated): then it gets one spare slot over the cap, and its Hello asks for room.
   */
  admit(peer: PeerId, urgent: boolean, evict: boolean): boolean {
    if (this.#signal.aborted) return false
    if (this.reserved.has(peer)) return true
    const max = this.#config.maxNeighbours
    if (this.slotsUsed() >= max) {
      if (!urgent) return false
      if (!evict) {
        if (this.slotsUsed() >= max + 1) return false
      } else {
        const victim = this.victim(peer)
        if (victim === undefined) return false
        this.#ports.evict(victim)
        if (this.slotsUsed() >= max) return false
      }
    }
    this.reserved.reserve(peer)
    return true
  }

  /**
   * A peer's Hello asks to join with `priority` (its own session already holds a slot):
   * accept while there is room; when full, a high priority evicts the neighbour
   * {@link victim} allows, and is refused as full when it allows none. With no neighbour at
   * all (every slot still in handshake) a high priority is accepted over the cap.
   */
  join(peer: PeerId, priority: JoinPriorityValue): JoinDecision {
    const full = this.slotsUsed() - 1 >= this.#config.maxNeighbours
    if (!full) return { accept: true }
    if (priority === JoinPriority.High) {
      const victim = this.victim(peer)
      if (victim !== undefined) {
        this.#ports.evict(victim)
        return { accept: true }
      }
      if (!this.#hasNeighbour(peer)) return { accept: true }
    }
    return { accept: false, code: CloseCode.Full, peers: this.#ports.sample(peer) }
  }

  /**
   * The neighbour an inbound request from `joiner` may evict, taking one token of the
   * eviction budget; undefined when the quota protects every neighbour or the budget is
   * spent (then `refused` counts it). An inbound neighbour is preferred; a self-dialled one
   * is a candidate only while we hold more than the outbound quota.
   */
  victim(joiner: PeerId): PeerId | undefined {
    const candidates = this.evictable(joiner)
    if (candidates.length === 0 || !this.#evictions.take(1, this.#ctx.clock.now())) {
      this.refused++
      this.#refusals.push(this.#ctx.clock.now())
      if (this.#refusals.length > PRESSURE_REFUSALS) this.#refusals.shift()
      return undefined
    }
    this.lastEvictionAt = this.#ctx.clock.now()
    return pick(this.#ctx.random, candidates)
  }

  /**
   * The neighbours (other than `exclude`) that the outbound quota lets go: those that
   * dialled us, or, with none, self-dialled ones while we hold more than the quota.
   */
  evictable(exclude?: PeerId): PeerId[] {
    const inbound: PeerId[] = []
    const outbound: PeerId[] = []
    for (const [peer, link] of this.#ports.links()) {
      if (!link.neighbour || peer === exclude) continue
      ;(link.initiator ? outbound : inbound).push(peer)
    }
    return inbound.length > 0 ? inbound : outbound.length > this.#config.outboundQuota ? outbound : []
  }

  #hasNeighbour(exclude: PeerId): boolean {
    for (const [peer, link] of this.#ports.links()) if (link.neighbour && peer !== exclude) return true
    return false
  }
}
