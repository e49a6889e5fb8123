/**
 * Pacing of what we pass on, per neighbour. Every neighbour charges each frame and byte we
 * send to our budget (layers/peer-score.ts: 500 frames and 2 MiB a second by default) and
 * throttles, then cuts off, a peer that overdraws it. A relay does not choose how much it
 * forwards: several fast writers behind it (imports, scripts, each within its own pace) can
 * make it pass on more than one neighbour grants it, and that neighbour would cut the honest
 * relay off for a minute, losing everything behind it.
 *
 * So the deltas we pass on to a neighbour draw on a bucket of that link's own, half of the
 * budget (our own publishes have a quarter, layers/publish-pacer.ts; our presence an eighth,
 * presence-pace.ts; the presence we pass on a sixteenth, presence-outbox.ts; the rest is left
 * to what is not paced: control frames, greetings, replies). Past it the link **sheds**: no
 * further delta is forwarded on it, so none forwarded arrives there ahead of what it builds
 * on (our own publishes still go, at their pace). Soon after (`CATCH_UP_DELAY_MS`), and then
 * each round, we open an anti-entropy exchange with the neighbour (`catchUp`), whose reply
 * carries everything shed, merged; once we answered its request with one SyncReply (a reply
 * in parts asks for another catch-up), or its digest matches ours, forwarding resumes. Under overload a neighbour thus gets part of the content a little late
 * (a tenth of a second and a round trip, a round when the first catch-up fails), never loses
 * it, and never has a reason to cut the relay off.
 *
 * Sans-IO: time comes from the room's clock.
 */
import type { Clock, TimerHandle } from '../clock.js'
import { TokenBucket, type FrameBudgets } from '../token-bucket.js'
import type { PeerId } from '../transport.js'

/** The budgets a neighbour grants us (the room's `budgets`), frames and bytes. */
export interface LinkBudgets extends FrameBudgets {
  bytesPerSecond: number
  byteBurst: number
}

/** The share of a neighbour's budget that deltas we pass on to it may use. */
const SHARE = 0.5
/**
 * A link that starts shedding is owed its catch-up this long after (then once a round while it
 * still sheds): soon, since what the neighbour gets meanwhile from other links may build on what
 * was shed and would be held, but not at once, so that one reply carries a batch.
 */
export const CATCH_UP_DELAY_MS = 100

interface LinkPace {
  readonly frames: TokenBucket
  readonly bytes: TokenBucket
  /** Deltas were shed: shed every delta until the peer is caught up, so none arrives ahead of what it builds on. */
  shedding: boolean
  /** The first catch-up of this shedding, due soon. */
  timer: TimerHandle | undefined
}

/** Per-neighbour pacing of forwarded deltas. Internal. */
export class ForwardPacer {
  readonly #clock: Clock
  readonly #budgets: LinkBudgets
  readonly #links = new Map<PeerId, LinkPace>()
  readonly #owe: (peer: PeerId) => void

  /** @param owe a link started shedding, {@link CATCH_UP_DELAY_MS} ago: open its catch-up */
  constructor(clock: Clock, budgets: LinkBudgets, owe: (peer: PeerId) => void = () => {}) {
    this.#clock = clock
    this.#budgets = budgets
    this.#owe = owe
  }

  up(peer: PeerId): void {
    const now = this.#clock.now()
    const { framesPerSecond, frameBurst, bytesPerSecond, byteBurst } = this.#budgets
    this.#links.set(peer, {
      frames: new TokenBucket(Math.max(1, framesPerSecond * SHARE), Math.max(1, frameBurst * SHARE), now),
      bytes: new TokenBucket(Math.max(1, bytesPerSecond * SHARE), Math.max(1, byteBurst * SHARE), now),
      shedding: false,
      timer: undefined,
    })
  }

  down(peer: PeerId): void {
    this.resume(peer)
    this.#links.delete(peer)
  }

  /**
   * May a delta of `bytes` we pass on go to `peer` now? It takes a frame and its bytes from
   * the link's buckets. False: the link sheds it (and every later one until its catch-up).
   * A link we know nothing of (no `up`) is not paced.
   */
  admit(peer: PeerId, bytes: number): boolean {
    const link = this.#links.get(peer)
    if (link === undefined) return true
    if (link.shedding) return false
    const now = this.#clock.now()
    // A delta larger than the byte burst could never pass: it is charged the whole burst.
    const cost = Math.min(bytes, link.bytes.burst)
    if (link.frames.available(now) >= 1 && link.bytes.available(now) >= cost) {
      link.frames.take(1, now)
      link.bytes.take(cost, now)
      return true
    }
    link.shedding = true
    link.timer = this.#clock.setTimeout(() => {
      link.timer = undefined
      if (link.shedding) this.#owe(peer)
    }, CATCH_UP_DELAY_MS)
    return false
  }

  /** True while the link to `peer` sheds. */
  shedding(peer: PeerId): boolean {
    return this.#links.get(peer)?.shedding === true
  }

  /** `peer` holds all we hold now (broadcast.ts: `caughtUp`, `answered`): forwarding to it resumes. */
  resume(peer: PeerId): void {
    const link = this.#links.get(peer)
    if (link === undefined) return
    link.shedding = false
    if (link.timer !== undefined) this.#clock.clearTimeout(link.timer)
    link.timer = undefined
  }

  /** Neighbours whose links shed and had their first catch-up: each is owed another (once a round, until {@link resume}). */
  owed(): PeerId[] {
    return [...this.#links].filter(([, link]) => link.shedding && link.timer === undefined).map(([peer]) => peer)
  }

  /** Stops the timers. */
  destroy(): void {
    for (const peer of this.#links.keys()) this.resume(peer)
  }
}
