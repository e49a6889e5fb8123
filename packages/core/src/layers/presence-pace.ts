/**
 * Pacing of our own presence. Every neighbour charges each frame we send to our budget
 * (layers/peer-score.ts) and cuts off a peer that overdraws it; an app that sets its cursor
 * in a loop (one awareness change per turn) used to send one frame per change and be cut off
 * within two seconds, in open rooms and in rooms with a secret. Only the latest state of a
 * client matters, so pacing costs nothing but delay: changes draw on a bucket of an eighth of
 * the frame budget (62 a second, bursts of 125 by default; local publishes have a quarter,
 * what we pass on half, layers/publish-pacer.ts and forward-pacer.ts). Past it, a change
 * waits, and at the next token our state goes out as it stands then: the changes in between
 * are never sent. Removals are changes like any other (an app may clear and set its state in
 * a loop, and y-protocols reports every clearing); only the goodbye of a closing room, after
 * {@link PresencePace.stop}, goes at once. Sans-IO: time comes from the room's clock.
 */
import type { Clock, TimerHandle } from '../clock.js'
import { TokenBucket, type FrameBudgets } from '../token-bucket.js'

/** The share of the frame budget neighbours grant us that our own presence may use. */
const SHARE = 0.125

/** Pacing of one room's own presence. Internal. */
export class PresencePace {
  readonly #clock: Clock
  readonly #bucket: TokenBucket
  readonly #send: () => void
  #timer: TimerHandle | undefined
  #stopped = false

  /** @param send sends our state as it stands now */
  constructor(clock: Clock, budgets: FrameBudgets, send: () => void) {
    this.#clock = clock
    this.#bucket = new TokenBucket(Math.max(1, budgets.framesPerSecond * SHARE), Math.max(1, budgets.frameBurst * SHARE), clock.now())
    this.#send = send
  }

  /** True while a change waits for a token. */
  get waiting(): boolean {
    return this.#timer !== undefined
  }

  /**
   * The awareness changed locally: true when the change is of our own state (`own`) alone, set
   * or removed, and must wait for a token (it goes out, as it stands then, at the next one);
   * false when it may go out now (a token was taken, it is not ours alone, or pacing stopped).
   */
  defer(own: number, change: { added: readonly number[]; updated: readonly number[]; removed: readonly number[] }): boolean {
    const clients = [...change.added, ...change.updated, ...change.removed]
    if (this.#stopped || clients.length !== 1 || clients[0] !== own) return false
    if (this.#timer !== undefined) return true
    if (this.#bucket.take(1, this.#clock.now())) return false
    this.#schedule()
    return true
  }

  /** Stops pacing: what waits is dropped, and later changes go at once (the room says goodbye, or stops). */
  stop(): void {
    this.#stopped = true
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => this.#flush(), this.#bucket.msUntilToken(this.#clock.now()))
  }

  #flush(): void {
    this.#timer = undefined
    if (!this.#bucket.take(1, this.#clock.now())) return this.#schedule()
    this.#send()
  }
}
