/**
 * A token bucket on the room's clock: it holds up to `burst` tokens and refills at `rate`
 * tokens per second. Taking more than it holds fails and takes nothing. Sans-IO: the
 * caller passes the time, so a virtual clock replays it exactly.
 */

/** The frame budget a neighbour grants a peer (the room's `budgets`: layers/peer-budgets.ts), which the pacers keep within. */
export interface FrameBudgets {
  framesPerSecond: number
  frameBurst: number
}

/** A token bucket. Internal. */
export class TokenBucket {
  #tokens: number
  #at: number

  /**
   * @param rate tokens added per second
   * @param burst the most tokens it holds (it starts full)
   * @param now the current time in ms
   */
  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    this.#tokens = burst
    this.#at = now
  }

  /** Tokens available at `now` (after refilling at `rate × scale`). */
  available(now: number, scale = 1): number {
    if (now > this.#at) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate * scale)
      this.#at = now
    }
    return this.#tokens
  }

  /** Whole ms from `now` until the bucket holds one token (0 when it does). */
  msUntilToken(now: number): number {
    return Math.max(0, Math.ceil(((1 - this.available(now)) * 1000) / this.rate))
  }

  /** Takes `amount` tokens at `now` even when fewer are there (a debt the refill pays first): for what was sent already. */
  spend(amount: number, now: number): void {
    this.available(now)
    this.#tokens -= amount
  }

  /** Takes `amount` tokens if there are that many at `now`; false (taking none) otherwise. */
  take(amount: number, now: number, scale = 1): boolean {
    if (this.available(now, scale) < amount) return false
    this.#tokens -= amount
    return true
  }
}
