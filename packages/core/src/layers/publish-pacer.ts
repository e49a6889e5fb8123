/**
 * Pacing of local publishes. Every neighbour charges each frame we send to our budget
 * (layers/peer-score.ts: 500 frames a second by default, 1,000 at once), and a peer that
 * overdraws it is throttled, then cut off. A program that makes many small transactions in a
 * row (an import, a loop with an `await` in it) would publish one Delta per transaction and
 * get itself cut off by every neighbour, honest as it is. So local publishes draw on a bucket
 * of their own, a quarter of the budget neighbours grant us; past it, publishes wait and go
 * out together as one payload (the content merges them: `Content.coalesce`) as soon as the
 * bucket has a token again. A person typing never reaches it. Sans-IO: time and timers come
 * from the room's clock.
 */
import type { Clock, TimerHandle } from '../clock.js'
import { TokenBucket, type FrameBudgets } from '../token-bucket.js'

/** The share of the frame budget neighbours grant us that local publishes may use. */
const SHARE = 0.25

/** Pacing of one room's local publishes. Internal. */
export class PublishPacer {
  readonly #clock: Clock
  readonly #bucket: TokenBucket
  readonly #send: (payloads: readonly Uint8Array[]) => void
  #waiting: Uint8Array[] = []
  #timer: TimerHandle | undefined

  /**
   * @param budgets the budgets our neighbours hold us to (peers of one room share them)
   * @param send sends payloads waiting since the last send, in publish order (one, or several to merge)
   */
  constructor(clock: Clock, budgets: FrameBudgets, send: (payloads: readonly Uint8Array[]) => void) {
    this.#clock = clock
    this.#bucket = new TokenBucket(Math.max(1, budgets.framesPerSecond * SHARE), Math.max(1, budgets.frameBurst * SHARE), clock.now())
    this.#send = send
  }

  /** Publishes waiting for a token. */
  get waiting(): number {
    return this.#waiting.length
  }

  /** Sends `payload` now when a token is left and nothing waits; else it waits for the next token with the others. */
  publish(payload: Uint8Array): void {
    if (this.#waiting.length === 0 && this.#bucket.take(1, this.#clock.now())) {
      this.#send([payload])
      return
    }
    this.#waiting.push(payload)
    this.#schedule()
  }

  /** Stops the timer and sends what waits at once (the room is going offline: its last edits still go out). */
  destroy(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    const payloads = this.#waiting
    this.#waiting = []
    if (payloads.length > 0) this.#send(payloads)
  }

  #schedule(): void {
    if (this.#timer !== undefined) return
    const delay = this.#bucket.msUntilToken(this.#clock.now())
    this.#timer = this.#clock.setTimeout(() => this.#flush(), delay)
  }

  #flush(): void {
    this.#timer = undefined
    if (this.#waiting.length === 0) return
    if (!this.#bucket.take(1, this.#clock.now())) {
      this.#schedule()
      return
    }
    const payloads = this.#waiting
    this.#waiting = []
    this.#send(payloads)
  }
}
