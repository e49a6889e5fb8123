/**
 * Per-source state: how many connections a source address holds, its token buckets for new
 * connections, joins and messages, and when one of its connections was last evicted.
 * Entries are forgotten once they hold nothing that forgetting would reset.
 */
import type { Limits } from './limits.js'
import { TokenBucket } from './token-bucket.js'

/** What the server tracks for one source (an IPv4 address or an IPv6 prefix). */
export class SourceState {
  /** Open connections from this source. */
  open = 0
  /** When a connection of this source was last evicted (server clock, ms). */
  evictedAt: number | undefined
  /** Set once the source has been told about its connection limit in the log. */
  warned = false
  readonly connects: TokenBucket
  readonly joins: TokenBucket
  readonly messages: TokenBucket

  constructor(
    /** The source key (see source-address.ts). */
    readonly key: string,
    limits: Limits,
    now: () => number,
  ) {
    this.connects = new TokenBucket(limits.connectionsPerSecondPerSource, limits.connectionBurstPerSource, now)
    this.joins = new TokenBucket(limits.joinsPerSecondPerSource, limits.joinBurstPerSource, now)
    this.messages = new TokenBucket(limits.messagesPerSecondPerSource, limits.messageBurstPerSource, now)
  }

  /**
   * True while a connection of this source was evicted less than `windowMs` ago. A newcomer
   * from such a source does not evict anybody: an evicted socket that reconnects cannot push
   * out the next idle socket, and so on, until every idle socket is too young to evict.
   */
  recentlyEvicted(now: number, windowMs: number): boolean {
    return this.evictedAt !== undefined && now - this.evictedAt < windowMs
  }
}

/** Every source the server currently tracks. */
export class SourceTable {
  readonly #sources = new Map<string, SourceState>()

  constructor(
    private readonly limits: Limits,
    private readonly now: () => number,
  ) {}

  /** The state of `key`, created on first use. */
  get(key: string): SourceState {
    let state = this.#sources.get(key)
    if (state === undefined) {
      state = new SourceState(key, this.limits, this.now)
      this.#sources.set(key, state)
    }
    return state
  }

  /**
   * Forgets sources that hold no connection, whose buckets are full again and whose last
   * eviction is older than the eviction window. Returns how many were forgotten.
   */
  prune(): number {
    const now = this.now()
    let removed = 0
    for (const [key, s] of this.#sources) {
      if (s.open > 0 || s.recentlyEvicted(now, this.limits.idleEvictAfterMs)) continue
      if (!s.connects.full || !s.joins.full || !s.messages.full) continue
      this.#sources.delete(key)
      removed++
    }
    return removed
  }

  /** Number of tracked sources. */
  get size(): number {
    return this.#sources.size
  }
}
