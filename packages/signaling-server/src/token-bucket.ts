/**
 * A token bucket on an injected clock: the rate limiter behind every per-connection and
 * per-source limit.
 */

/**
 * A token bucket: holds up to `burst` tokens, refills at `ratePerSecond`, and each
 * {@link TokenBucket.take} spends one. Time comes from the injected `now` (milliseconds).
 */
export class TokenBucket {
  #tokens: number
  #last: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.#tokens = burst
    this.#last = now()
  }

  /** Spends one token. Returns `false`, spending nothing, when the bucket is empty. */
  take(): boolean {
    this.#refill()
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }

  /** Tokens currently available (fractional while refilling). */
  get tokens(): number {
    this.#refill()
    return this.#tokens
  }

  /** True when the bucket has refilled completely, so forgetting it would grant nothing extra. */
  get full(): boolean {
    return this.tokens >= this.burst
  }

  #refill(): void {
    const now = this.now()
    const elapsedMs = Math.max(0, now - this.#last)
    this.#last = now
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsedMs * this.ratePerSecond) / 1000)
  }
}
