/**
 * Topic membership: which peer ids joined which topic, and which of them are listed (joined
 * with a valid proof). Supports O(1) join and leave and O(k) random sampling of a topic's
 * listed members. State lives on the instance.
 */
import { sampleExcluding, type RandomFn } from './sample.js'

/**
 * The members of one topic. Listed members sit in a dense array plus an index, so removal
 * is a swap-and-pop; unlisted members (signaling only) sit in a set and are never sampled.
 */
class Topic {
  readonly listed: string[] = []
  readonly index = new Map<string, number>()
  readonly unlisted = new Set<string>()

  get size(): number {
    return this.listed.length + this.unlisted.size
  }

  has(peerId: string): boolean {
    return this.index.has(peerId) || this.unlisted.has(peerId)
  }

  /** Adds a member, or lists an unlisted one. A listed member is never unlisted by a later join. */
  add(peerId: string, listed: boolean): boolean {
    if (this.index.has(peerId)) return false
    if (!listed) {
      if (this.unlisted.has(peerId)) return false
      this.unlisted.add(peerId)
      return true
    }
    this.unlisted.delete(peerId)
    this.index.set(peerId, this.listed.length)
    this.listed.push(peerId)
    return true
  }

  remove(peerId: string): boolean {
    if (this.unlisted.delete(peerId)) return true
    const i = this.index.get(peerId)
    if (i === undefined) return false
    const last = this.listed.pop() as string
    if (last !== peerId) {
      this.listed[i] = last
      this.index.set(last, i)
    }
    this.index.delete(peerId)
    return true
  }
}

/** Every topic of one server and its members. Empty topics are forgotten. */
export class TopicRegistry {
  readonly #topics = new Map<string, Topic>()

  /**
   * Adds `peerId` to `topic`, listed in samples when `listed` (it proved the topic).
   * Returns `false` when nothing changed.
   */
  join(topic: string, peerId: string, listed = true): boolean {
    let t = this.#topics.get(topic)
    if (!t) {
      t = new Topic()
      this.#topics.set(topic, t)
    }
    return t.add(peerId, listed)
  }

  /** Removes `peerId` from `topic`. Returns `false` when it was not a member. */
  leave(topic: string, peerId: string): boolean {
    const t = this.#topics.get(topic)
    if (!t) return false
    const removed = t.remove(peerId)
    if (t.size === 0) this.#topics.delete(topic)
    return removed
  }

  /** True when `peerId` is a member of `topic`, listed or not. */
  has(topic: string, peerId: string): boolean {
    return this.#topics.get(topic)?.has(peerId) ?? false
  }

  /** Up to `k` distinct listed members of `topic` other than `self`, uniformly at random. */
  sample(topic: string, self: string, k: number, random: RandomFn): string[] {
    const t = this.#topics.get(topic)
    if (!t) return []
    return sampleExcluding(t.listed, t.index.get(self) ?? -1, k, random)
  }

  /** Number of members of `topic`, listed or not. */
  sizeOf(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0
  }

  /** Number of non-empty topics. */
  get size(): number {
    return this.#topics.size
  }
}
