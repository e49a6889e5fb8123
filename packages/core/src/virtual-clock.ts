/**
 * A virtual clock: timers fire in time order when a test or the simulator advances it,
 * never on their own. Same-time timers fire in the order they were set, so runs are
 * deterministic. Exported so apps can test their own code on virtual time.
 */
import type { Clock, TimerHandle } from './clock.js'

interface Timer {
  at: number
  seq: number
  fn: () => void
  cancelled: boolean
}

/** Runs `fn` after the current task: `setImmediate` where the platform has it, else a 0 ms timeout. */
const nextTask: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => (globalThis as unknown as { setImmediate: (fn: () => void) => void }).setImmediate(fn)
    : (fn) => void globalThis.setTimeout(fn, 0)

/**
 * Resolves after every queued microtask (and those they queue) has run. Not a sleep: no
 * virtual time passes.
 */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => nextTask(resolve))
}

/**
 * A {@link Clock} driven by {@link VirtualClock.run}, {@link VirtualClock.advance} or
 * {@link VirtualClock.runUntil}.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock()
 * const room = createRoom({ name: 'r', doc, transports: [memoryNetwork({ clock }).transport()], clock })
 * await clock.advance(10_000)   // ten virtual seconds, in a few milliseconds
 * ```
 */
export class VirtualClock implements Clock {
  #now = 0
  #seq = 0
  readonly #heap: Timer[] = []
  /** Timers fired so far. */
  fired = 0

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false }
    this.#push(timer)
    return timer
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as Timer
    if (typeof timer === 'object' && timer !== null && 'cancelled' in timer) timer.cancelled = true
  }

  /** Pending timers (cancelled ones included until they reach the top). */
  get pending(): number {
    return this.#heap.length
  }

  /** Runs every timer due up to `now + ms`, then sets the time to `now + ms`. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(() => false, this.#now + ms)
  }

  /**
   * Fires every timer due by `until` (default: until none is left), letting microtasks run
   * after each one, then moves the time to `until` when it is finite. Slower than
   * {@link runUntil} but with the finest interleaving of timers and promise continuations.
   */
  async run(until = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      await flushMicrotasks()
      const top = this.#heap[0]
      if (top === undefined || top.at > until) break
      this.#pop()
      if (top.cancelled) continue
      this.#now = top.at
      this.fired++
      top.fn()
    }
    if (until !== Number.POSITIVE_INFINITY) this.#now = Math.max(this.#now, until)
  }

  /**
   * Fires timers in time order until `done()` is true or the next timer is later than
   * `deadline`. Promise continuations (a resolved dial, say) run on microtasks: the loop
   * lets them run whenever virtual time moves past the last flush by `quantumMs`, so they
   * happen at most that late in virtual time. Returns true when `done()` became true.
   */
  async runUntil(done: () => boolean, deadline: number, quantumMs = 1): Promise<boolean> {
    await flushMicrotasks()
    if (done()) return true
    let flushedAt = this.#now
    let sinceFlush = 0
    for (;;) {
      const top = this.#heap[0]
      if (top === undefined || top.at > deadline) {
        await flushMicrotasks()
        if (this.#heap[0] !== undefined && (this.#heap[0] as Timer).at <= deadline) continue
        if (deadline !== Infinity) this.#now = Math.max(this.#now, deadline)
        return done()
      }
      if (top.at > flushedAt + quantumMs || sinceFlush >= 5000) {
        await flushMicrotasks()
        flushedAt = top.at // virtual time is about to move there
        sinceFlush = 0
        if (done()) return true
        continue
      }
      this.#pop()
      if (top.cancelled) continue
      this.#now = top.at
      this.fired++
      sinceFlush++
      top.fn()
      if (done()) return true
    }
  }

  #less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  #push(timer: Timer): void {
    const heap = this.#heap
    heap.push(timer)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent] as Timer
      if (!this.#less(timer, p)) break
      heap[i] = p
      i = parent
    }
    heap[i] = timer
  }

  #pop(): void {
    const heap = this.#heap
    const last = heap.pop()
    if (last === undefined || heap.length === 0) return
    let i = 0
    const n = heap.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const child = r < n && this.#less(heap[r] as Timer, heap[l] as Timer) ? r : l
      const c = heap[child] as Timer
      if (!this.#less(c, last)) break
      heap[i] = c
      i = child
    }
    heap[i] = last
  }
}
