/**
 * Detection of a mass failure for the members layer: at least a tenth of the live members,
 * and 3, lost (alive to suspect or failed) within five probe periods. A member can then be
 * dead with no surviving neighbour to notice, so the layer sweeps: it raises its own
 * incarnation and, three periods later, suspects every member not heard of since the losses
 * began; until then refreshes flood. Sweeps are at least thirty periods apart.
 */
import type { PeerId } from '../transport.js'
import type { MemberEntry } from './member-table.js'

/** Losses, as a fraction of the live members, that make a mass failure. */
export const SWEEP_FRACTION = 0.1

/** Recent losses of one room's members. Internal to the members layer. */
export class MassFailure {
  /** Members lost lately, and when. */
  readonly #losses = new Map<PeerId, number>()
  readonly #probeMs: number
  #lastSweep = -Infinity

  constructor(probeMs: number) {
    this.#probeMs = probeMs
  }

  /**
   * Counts `peer` as lost at `now`, with `live` members still live. Returns when the losses
   * began if they make a mass failure and a sweep is due now; else undefined.
   */
  loss(peer: PeerId, now: number, live: number): number | undefined {
    const window = 5 * this.#probeMs
    for (const [lost, at] of this.#losses) if (now - at >= window) this.#losses.delete(lost)
    if (!this.#losses.has(peer)) this.#losses.set(peer, now)
    const lost = this.#losses.size
    if (lost < Math.max(3, SWEEP_FRACTION * (live + lost)) || now - this.#lastSweep < 30 * this.#probeMs) return undefined
    this.#lastSweep = now
    return Math.min(...this.#losses.values())
  }

  /**
   * True from a mass failure until its sweep ran (four probe periods): then every member's
   * "still here" must reach the whole room before the sweep, so refreshes flood instead of
   * riding on probes and acks (a receiver cannot tell a raise from a routine refresh).
   */
  sweeping(now: number): boolean {
    return now - this.#lastSweep <= 4 * this.#probeMs
  }

  /** The sweep: members alive or suspect, not neighbours, not heard of since `since`. */
  unheard(entries: Iterable<MemberEntry>, since: number, neighbours: ReadonlySet<PeerId>): PeerId[] {
    const out: PeerId[] = []
    for (const entry of entries) if ((entry.status === 'alive' || entry.status === 'suspect') && entry.refreshed < since && !neighbours.has(entry.peer)) out.push(entry.peer)
    return out
  }
}
