/**
 * A set that forgets its oldest entries past a capacity. Used to remember which deltas a
 * peer has seen without growing forever.
 */
export class BoundedSet<T> {
  readonly #items = new Set<T>()
  readonly #capacity: number

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity)
  }

  get size(): number {
    return this.#items.size
  }

  has(item: T): boolean {
    return this.#items.has(item)
  }

  /** Adds `item`; returns false when it was already present. */
  add(item: T): boolean {
    if (this.#items.has(item)) return false
    this.#items.add(item)
    if (this.#items.size > this.#capacity) {
      const oldest = this.#items.values().next()
      if (oldest.done !== true) this.#items.delete(oldest.value)
    }
    return true
  }

  delete(item: T): boolean {
    return this.#items.delete(item)
  }

  clear(): void {
    this.#items.clear()
  }

  values(): IterableIterator<T> {
    return this.#items.values()
  }
}
