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
 * presence-pace.ts; the rest is left to control frames). Past it the link **sheds**: no
 * further delta is forwarded on it, so none forwarded arrives there ahead of what it builds
 * on (our own publishes still go, at their pace). Each round then opens an anti-entropy
 * exchange with the neighbour (`catchUp`), whose reply carries everything shed, merged; once
 * we sent the whole reply (or its digest matches ours), forwarding resumes. Under overload a
 * neighbour thus gets part of the content up to a round late, never loses it, and never has a
 * reason to cut the relay off.
 *
 * Sans-IO: time comes from the room's clock.
 */
import type { Clock } from '../clock.js'
import { TokenBucket, type FrameBudgets } from '../token-bucket.js'
import type { PeerId } from '../transport.js'

/** The budgets a neighbour grants us (the room's `budgets`), frames and bytes. */
export interface LinkBudgets extends FrameBudgets {
  bytesPerSecond: number
  byteBurst: number
}

/** The share of a neighbour's budget that deltas we pass on to it may use. */
const SHARE = 0.5

interface LinkPace {
  readonly frames: TokenBucket
  readonly bytes: TokenBucket
  /** Deltas were shed: shed every delta until the peer is caught up, so none arrives ahead of what it builds on. */
  shedding: boolean
}

/** Per-neighbour pacing of forwarded deltas. Internal. */
export class ForwardPacer {
  readonly #clock: Clock
  readonly #budgets: LinkBudgets
  readonly #links = new Map<PeerId, LinkPace>()

  constructor(clock: Clock, budgets: LinkBudgets) {
    this.#clock = clock
    this.#budgets = budgets
  }

  up(peer: PeerId): void {
    const now = this.#clock.now()
    const { framesPerSecond, frameBurst, bytesPerSecond, byteBurst } = this.#budgets
    this.#links.set(peer, {
      frames: new TokenBucket(Math.max(1, framesPerSecond * SHARE), Math.max(1, frameBurst * SHARE), now),
      bytes: new TokenBucket(Math.max(1, bytesPerSecond * SHARE), Math.max(1, byteBurst * SHARE), now),
      shedding: false,
    })
  }

  down(peer: PeerId): void {
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
    return false
  }

  /** True while the link to `peer` sheds. */
  shedding(peer: PeerId): boolean {
    return this.#links.get(peer)?.shedding === true
  }

  /** `peer` holds all we hold now (broadcast.ts, `caughtUp`): forwarding to it resumes. */
  resume(peer: PeerId): void {
    const link = this.#links.get(peer)
    if (link !== undefined) link.shedding = false
  }

  /** Neighbours whose links shed: each is owed a catch-up (until {@link resume}). */
  owed(): PeerId[] {
    return [...this.#links].filter(([, link]) => link.shedding).map(([peer]) => peer)
  }
}
