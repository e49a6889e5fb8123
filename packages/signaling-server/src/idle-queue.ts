/**
 * Connections that hold a slot without doing anything useful, ordered by how long they have
 * been idle. O(1) to add, refresh, remove and find the longest idle one.
 */

/** A queue of items by the time they last did something useful, oldest first. */
export class IdleQueue<T> {
  /** Item → when it became idle. A Map iterates in insertion order, so the first entry is the oldest. */
  readonly #since = new Map<T, number>()

  /** Marks `item` idle since `at` (moving it to the young end if it was queued already). */
  touch(item: T, at: number): void {
    this.#since.delete(item)
    this.#since.set(item, at)
  }

  /** Takes `item` out of the queue (it is doing useful work now, or it is gone). */
  remove(item: T): void {
    this.#since.delete(item)
  }

  /** True when `item` is queued. */
  has(item: T): boolean {
    return this.#since.has(item)
  }

  /** The item idle the longest, if it has been idle for at least `minIdleMs` at `now`. */
  oldest(now: number, minIdleMs: number): T | undefined {
    for (const [item, since] of this.#since) return now - since >= minIdleMs ? item : undefined
    return undefined
  }

  /** Number of queued items. */
  get size(): number {
    return this.#since.size
  }
}
