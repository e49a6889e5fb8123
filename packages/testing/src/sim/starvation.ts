/**
 * CPU starvation in the simulator, without touching the engine: a starved peer runs in
 * short slices separated by stalls (a tab whose main thread is busy, or throttled). Nothing
 * of that peer runs during a stall: its timers fire at the end of the stall, and frames
 * that reach it during a stall are handled just after its due timers (a late timer runs
 * before the input queued behind it, as in a browser's or Node's event loop after a long
 * task). Both are done from outside: the peer's clock is wrapped ({@link starvedClock}),
 * and the network's latency to the peer is stretched to the end of the stall
 * ({@link stallDelay}).
 */
import type { Clock, RandomSource } from '@gossamer/core'

/** Shape of a starved peer's time: alternating run slices and stalls, each uniform in [min, max] ms. */
export interface StarveShape {
  runMs: { min: number; max: number }
  stallMs: { min: number; max: number }
}

/** The default shape: runs of 50–500 ms between stalls of 200–2,000 ms (the peer is stalled about 80% of the time). */
export const DEFAULT_STARVE: StarveShape = { runMs: { min: 50, max: 500 }, stallMs: { min: 200, max: 2000 } }

/** The stalls of one peer, drawn lazily from its own seeded random source. */
export class StallSchedule {
  readonly #random: RandomSource
  readonly #shape: StarveShape
  /** Stall intervals [start, end), in time order; old ones are dropped as time moves on. */
  readonly #stalls: [number, number][] = []
  #horizon: number
  /** Total stalled ms drawn so far. */
  stalledMs = 0

  constructor(random: RandomSource, shape: StarveShape, start: number) {
    this.#random = random
    this.#shape = shape
    this.#horizon = start
  }

  /** When the peer runs again if `at` falls in a stall; `at` itself otherwise. */
  resume(at: number): number {
    this.#extend(at)
    while (this.#stalls.length > 1 && (this.#stalls[0] as [number, number])[1] < at - 60_000) this.#stalls.shift()
    for (const [start, end] of this.#stalls) {
      if (at < start) return at
      if (at < end) return end
    }
    return at
  }

  #extend(until: number): void {
    const { runMs, stallMs } = this.#shape
    while (this.#horizon <= until) {
      const start = this.#horizon + uniform(this.#random, runMs)
      const length = uniform(this.#random, stallMs)
      this.#stalls.push([start, start + length])
      this.stalledMs += length
      this.#horizon = start + length
    }
  }
}

function uniform(random: RandomSource, range: { min: number; max: number }): number {
  return range.min + random.next() * (range.max - range.min)
}

/** A clock whose timers never fire during a stall: one due in a stall fires when it ends. */
export function starvedClock(inner: Clock, schedule: StallSchedule): Clock {
  return {
    now: () => inner.now(),
    setTimeout(fn, ms) {
      // The handle of the first timer cancels the whole chain: a cancelled first timer never re-arms.
      const chain: { inner: ReturnType<Clock['setTimeout']> | undefined; cancelled: boolean } = { inner: undefined, cancelled: false }
      chain.inner = inner.setTimeout(() => {
        const now = inner.now()
        const resume = schedule.resume(now)
        if (resume <= now) return fn()
        chain.inner = inner.setTimeout(() => {
          if (!chain.cancelled) fn()
        }, resume - now)
      }, ms)
      return chain
    },
    clearTimeout(handle) {
      const chain = handle as { inner: ReturnType<Clock['setTimeout']> | undefined; cancelled: boolean }
      chain.cancelled = true
      if (chain.inner !== undefined) inner.clearTimeout(chain.inner)
    },
  }
}

/**
 * Extra latency of a frame that reaches a starved peer at `arrival`: up to the end of the
 * stall, plus 1 ms so that the peer's due timers run first. 0 outside stalls.
 */
export function stallDelay(schedule: StallSchedule, arrival: number): number {
  const resume = schedule.resume(arrival)
  return resume > arrival ? resume - arrival + 1 : 0
}
