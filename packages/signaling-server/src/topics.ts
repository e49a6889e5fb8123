/**
 * Topic membership: which peer ids joined which topic. Supports O(1) join and leave and
 * O(k) random sampling of a topic's members. State lives on the instance.
 */
import { sampleExcluding, type RandomFn } from './sample.js'

/** The members of one topic: a dense array plus an index, so removal is a swap-and-pop. */
class Topic {
  readonly members: string[] = []
  readonly index = new Map<string, number>()

  add(peerId: string): boolean {
    if (this.index.has(peerId)) return false
    this.index.set(peerId, this.members.length)
    this.members.push(peerId)
    return true
  }

  remove(peerId: string): boolean {
    const i = this.index.get(peerId)
    if (i === undefined) return false
    const last = this.members.pop() as string
    if (last !== peerId) {
      this.members[i] = last
      this.index.set(last, i)
    }
    this.index.delete(peerId)
    return true
  }
}

/** Every topic of one server and its members. Empty topics are forgotten. */
export class TopicRegistry {
  readonly #topics = new Map<string, Topic>()

  /** Adds `peerId` to `topic`. Returns `false` when it was already a member. */
  join(topic: string, peerId: string): boolean {
    let t = this.#topics.get(topic)
    if (!t) {
      t = new Topic()
      this.#topics.set(topic, t)
    }
    return t.add(peerId)
  }

  /** Removes `peerId` from `topic`. Returns `false` when it was not a member. */
  leave(topic: string, peerId: string): boolean {
    const t = this.#topics.get(topic)
    if (!t) return false
    const removed = t.remove(peerId)
    if (t.members.length === 0) this.#topics.delete(topic)
    return removed
  }

  /** True when `peerId` is a member of `topic`. */
  has(topic: string, peerId: string): boolean {
    return this.#topics.get(topic)?.index.has(peerId) ?? false
  }

  /** Up to `k` distinct members of `topic` other than `self`, uniformly at random. */
  sample(topic: string, self: string, k: number, random: RandomFn): string[] {
    const t = this.#topics.get(topic)
    if (!t) return []
    return sampleExcluding(t.members, t.index.get(self) ?? -1, k, random)
  }

  /** Number of members of `topic`. */
  sizeOf(topic: string): number {
    return this.#topics.get(topic)?.members.length ?? 0
  }

  /** Number of non-empty topics. */
  get size(): number {
    return this.#topics.size
  }
}
