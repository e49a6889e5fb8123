/**
 * Lifeguard's suspicion timers for the members layer: a suspected member fails after a
 * timeout that shrinks as independent members confirm the suspicion, from four times the
 * minimum for a lone accuser down to the minimum after {@link CONFIRMATIONS} accusers. The
 * minimum grows with the logarithm of the room's size.
 *
 * Local health applies here too, so that a starved peer is never the one that declares a
 * failure: its timeouts are stretched by its local health factor, and a timer that fires
 * late (this peer's event loop was blocked) does not conclude at once: it waits
 * {@link LATE_MS} so that input queued behind it (the suspected member's refutation, most
 * often) is handled first. Other members' timers are not stretched, so a crash is declared
 * as soon as before, by a healthy member.
 */
import type { Clock, TimerHandle } from '../clock.js'
import type { PeerId } from '../transport.js'
import { LATE_MS } from './local-health.js'
import type { MemberEntry, MemberTable } from './member-table.js'

/** Independent accusers after which a suspicion times out at the minimum. */
export const CONFIRMATIONS = 3

/** Tunables of the suspicion timers. */
export interface SuspicionConfig {
  probeMs: number
  suspicionMult: number
}

/** This peer's local health, as the timers use it (the failure detector's). */
export interface SuspicionHealth {
  /** What timeouts are multiplied by (1 + score; 1 with local health off). */
  factor(): number
  /** A timer fired `lateness` ms late: true when its decision must wait for queued input. */
  late(lateness: number): boolean
}

/** One timer per suspected member. Internal to the members layer. */
export class SuspicionTimers {
  readonly #timers = new Map<PeerId, TimerHandle>()
  readonly #clock: Clock
  readonly #config: SuspicionConfig
  readonly #table: MemberTable
  readonly #health: SuspicionHealth
  readonly #expired: (entry: MemberEntry) => void

  /** `expired` runs when a suspicion was not refuted in time (the entry is still suspect, at the same incarnation). */
  constructor(clock: Clock, config: SuspicionConfig, table: MemberTable, health: SuspicionHealth, expired: (entry: MemberEntry) => void) {
    this.#clock = clock
    this.#config = config
    this.#table = table
    this.#health = health
    this.#expired = expired
  }

  /** The timeout of a suspicion with `accusers` independent accusers, before local health, in ms. */
  timeout(accusers: number): number {
    const min = this.#config.suspicionMult * Math.max(1, Math.log10(this.#table.live + 1)) * this.#config.probeMs
    const max = 4 * min
    const confirmations = Math.max(0, accusers - 1)
    return Math.max(min, max - ((max - min) * Math.log(confirmations + 1)) / Math.log(CONFIRMATIONS + 1))
  }

  /** (Re)starts the timer of a suspected member, counted from when the suspicion began. */
  time(entry: MemberEntry): void {
    const timeout = this.timeout(entry.accusers.size) * this.#health.factor()
    this.#arm(entry, entry.incarnation, Math.max(0, entry.since + timeout - this.#clock.now()))
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

  #arm(entry: MemberEntry, incarnation: number, delay: number): void {
    this.clear(entry.peer)
    const due = this.#clock.now() + delay
    this.#timers.set(
      entry.peer,
      this.#clock.setTimeout(() => {
        this.#timers.delete(entry.peer)
        if (entry.status !== 'suspect' || entry.incarnation !== incarnation || this.#table.get(entry.peer) !== entry) return
        // Late: a refutation may be queued behind this timer. Let it run first.
        if (this.#health.late(this.#clock.now() - due)) return this.#arm(entry, incarnation, LATE_MS)
        this.#expired(entry)
      }, delay),
    )
  }
}
