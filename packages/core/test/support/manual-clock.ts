/**
 * A tiny virtual clock for core's tests (core cannot depend on `@gossamer/testing`): timers
 * fire only when a test runs or advances it, in (time, insertion) order, with microtasks
 * flushed after each.
 */
import type { Clock, TimerHandle } from '../../src/clock.js'

/** Lets every queued microtask (and those they queue) run. Not a sleep: no time passes. */
export const flushMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

interface ManualTimer {
  at: number
  seq: number
  fn: () => void
  cancelled: boolean
}

/** A virtual clock whose timers fire only from {@link ManualClock.run} or {@link ManualClock.advance}. */
export class ManualClock implements Clock {
  #now = 0
  #seq = 0
  #timers: ManualTimer[] = []

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false }
    this.#timers.push(timer)
    return timer
  }

  clearTimeout(handle: TimerHandle): void {
    ;(handle as ManualTimer).cancelled = true
  }

  /** Fires timers due by `until`, flushing microtasks after each, then moves time to `until` (if finite). */
  async run(until = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      await flushMicrotasks()
      this.#timers = this.#timers.filter((t) => !t.cancelled)
      let next: ManualTimer | undefined
      for (const t of this.#timers) {
        if (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t
      }
      if (next === undefined || next.at > until) break
      this.#timers.splice(this.#timers.indexOf(next), 1)
      this.#now = next.at
      next.fn()
    }
    if (until !== Number.POSITIVE_INFINITY) this.#now = Math.max(this.#now, until)
  }

  /** Fires the timers due within `ms`, then moves time on by `ms`. */
  advance(ms: number): Promise<void> {
    return this.run(this.#now + ms)
  }
}
