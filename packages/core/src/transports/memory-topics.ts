/**
 * Topic membership of a memory network: who joined a discovery topic, with O(1) add,
 * remove and random access, and a sample of members for each joiner.
 */
import { type RandomSource, randomInt, sample } from '../random.js'
import type { PeerId } from '../transport.js'

/** Members of one topic: O(1) add, remove and random access. */
export class TopicMembers {
  readonly ids: PeerId[] = []
  readonly #index = new Map<PeerId, number>()

  add(peerId: PeerId): void {
    if (this.#index.has(peerId)) return
    this.#index.set(peerId, this.ids.length)
    this.ids.push(peerId)
  }

  remove(peerId: PeerId): void {
    const index = this.#index.get(peerId)
    if (index === undefined) return
    this.#index.delete(peerId)
    const last = this.ids.pop() as PeerId
    if (index < this.ids.length) {
      this.ids[index] = last
      this.#index.set(last, index)
    }
  }
}

/** Up to `k` distinct members, in O(k) expected time when the topic is large. */
export function sampleMembers(random: RandomSource, ids: readonly PeerId[], k: number): PeerId[] {
  const n = ids.length
  if (k <= 0 || n === 0) return []
  if (n <= 2 * k) return sample(random, ids, k)
  const chosen = new Set<number>()
  const found: PeerId[] = []
  while (found.length < k) {
    const index = randomInt(random, n)
    if (chosen.has(index)) continue
    chosen.add(index)
    found.push(ids[index] as PeerId)
  }
  return found
}
