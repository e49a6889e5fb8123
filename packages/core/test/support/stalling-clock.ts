/**
 * A clock as a CPU-starved peer sees it: nothing of the peer runs before `stall.end`, so a
 * timer due earlier fires then, late (the simulator's starved clock does the same). A test
 * moves `stall.end` to start a stall.
 */
import type { Clock, TimerHandle } from '../../src/clock.js'

/** `inner`'s time, with every timer due during a stall deferred to its end. */
export function stallingClock(inner: Clock, stall: { end: number }): Clock {
  interface Chain { handle: TimerHandle | undefined; cancelled: boolean }
  return {
    now: () => inner.now(),
    setTimeout(fn, ms) {
      const chain: Chain = { handle: undefined, cancelled: false }
      chain.handle = inner.setTimeout(() => {
        const now = inner.now()
        if (now >= stall.end) return fn()
        chain.handle = inner.setTimeout(() => {
          if (!chain.cancelled) fn()
        }, stall.end - now)
      }, ms)
      return chain
    },
    clearTimeout(handle) {
      const chain = handle as Chain
      chain.cancelled = true
      if (chain.handle !== undefined) inner.clearTimeout(chain.handle)
    },
  }
}
