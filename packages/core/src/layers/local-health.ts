/**
 * Local health, in the manner of Lifeguard's local health multiplier: a score from 0
 * (healthy) to `max` that rises on evidence that *this* peer is the slow one, and falls
 * slowly while its probes succeed. The failure detector stretches its timeouts by
 * `factor()` = 1 + score, so a starved peer (a CPU-starved tab, a phone waking up) stops
 * blaming its neighbours for its own lateness.
 *
 * Evidence that raises it: one of our own timers fired late (the event loop was blocked,
 * so input that arrived meanwhile is still unprocessed: event-loop lag), a probe failed
 * and no helper answered within a period of being asked (missed nacks), or another member suspected us and we
 * had to refute it. It falls by one per probe period in which a probe succeeded and
 * nothing raised it. With `enabled: false` the score is still kept (and published in the
 * health record) but `factor()` is 1 and `late()` never defers: the detector of the
 * SWIM paper, for comparison.
 */

/** How late a timer may fire before it counts as evidence of local starvation, in ms. */
export const LATE_MS = 50

/** Local health of one peer. Internal to the failure detector. */
export class LocalHealth {
  readonly enabled: boolean
  readonly max: number
  #score = 0
  #raised = false
  #succeeded = false
  #lagMs = 0

  constructor(enabled: boolean, max: number) {
    this.enabled = enabled
    this.max = max
  }

  /** The score, 0 … max (Lifeguard's LHM). */
  get score(): number {
    return this.#score
  }

  /** Recent event-loop lag: how late our timers fired, smoothed, in ms. */
  get lagMs(): number {
    return Math.round(this.#lagMs)
  }

  /** What timeouts are multiplied by: 1 + score when enabled, else 1. */
  factor(): number {
    return this.enabled ? 1 + this.#score : 1
  }

  /** Evidence that this peer is slow (a late timer, a missed nack, a refutation). */
  raise(by = 1): void {
    this.#score = Math.min(this.max, this.#score + by)
    this.#raised = true
  }

  /** A probe of ours was answered. */
  succeeded(): void {
    this.#succeeded = true
  }

  /**
   * A timer fired `lateness` ms after it was due. Returns true when the decision it was
   * armed for must wait (local health on, and late enough that unprocessed input may be
   * queued behind it).
   */
  late(lateness: number): boolean {
    this.#lagMs = 0.8 * this.#lagMs + 0.2 * Math.max(0, lateness)
    if (lateness <= LATE_MS) return false
    this.raise()
    return this.enabled
  }

  /** The end of a probe period: decay when probes succeeded and nothing raised the score. */
  periodEnd(): void {
    if (this.#succeeded && !this.#raised && this.#score > 0) this.#score--
    this.#succeeded = false
    this.#raised = false
  }
}
