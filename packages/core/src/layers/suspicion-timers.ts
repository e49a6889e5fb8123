/**
 * Lifeguard's suspicion timers for the members layer: a suspected member fails after a
 * timeout that shrinks as independent members confirm the suspicion, from four times the
 * minimum for a lone accuser down to the minimum after {@link CONFIRMATIONS} accusers. The
 * minimum grows with the logarithm of the room's size.
 */
import type { Clock, TimerHandle } from '../clock.js'
import type { PeerId } from '../transport.js'
import type { MemberEntry, MemberTable } from './member-table.js'

/** Independent accusers after which a suspicion times out at the minimum. */
export const CONFIRMATIONS = 3

/** Tunables of the suspicion timers. */
export interface SuspicionConfig {
  probeMs: number
  suspicionMult: number
}

/** One timer per suspected member. Internal to the members layer. */
export class SuspicionTimers {
  readonly #timers = new Map<PeerId, TimerHandle>()
  readonly #clock: Clock
  readonly #config: SuspicionConfig
  readonly #table: MemberTable
  readonly #expired: (entry: MemberEntry) => void

  /** `expired` runs when a suspicion was not refuted in time (the entry is still suspect, at the same incarnation). */
  constructor(clock: Clock, config: SuspicionConfig, table: MemberTable, expired: (entry: MemberEntry) => void) {
    this.#clock = clock
    this.#config = config
    this.#table = table
    this.#expired = expired
  }

  /** (Re)starts the timer of a suspected member, counted from when the suspicion began. */
  time(entry: MemberEntry): void {
    const min = this.#config.suspicionMult * Math.max(1, Math.log10(this.#table.live + 1)) * this.#config.probeMs
    const max = 4 * min
    const confirmations = Math.max(0, entry.accusers.size - 1)
    const timeout = Math.max(min, max - ((max - min) * Math.log(confirmations + 1)) / Math.log(CONFIRMATIONS + 1))
    this.clear(entry.peer)
    const incarnation = entry.incarnation
    const delay = Math.max(0, entry.since + timeout - this.#clock.now())
    this.#timers.set(
      entry.peer,
      this.#clock.setTimeout(() => {
        this.#timers.delete(entry.peer)
        if (entry.status !== 'suspect' || entry.incarnation !== incarnation || this.#table.get(entry.peer) !== entry) return
        this.#expired(entry)
      }, delay),
    )
  }

  /** Stops the timer of `peer` (refuted, failed or left). */
  clear(peer: PeerId): void {
    const timer = this.#timers.get(peer)
    if (timer !== undefined) this.#clock.clearTimeout(timer)
    this.#timers.delete(peer)
  }

  /** Stops every timer. */
  stop(): void {
    for (const timer of this.#timers.values()) this.#clock.clearTimeout(timer)
    this.#timers.clear()
  }
}
