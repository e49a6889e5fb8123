/**
 * Time reaches the engine only through a {@link Clock}, so the simulator can run the same
 * code on virtual time.
 */

/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | number | object

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; monotonic. */
  now(): number
  /** Calls `fn` after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle
  /** Cancels a timer. Unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void
  /**
   * Milliseconds since the Unix epoch, comparable across processes and tabs (leases in
   * shared storage). Optional: clocks without it fall back to `now()`.
   */
  wallNow?(): number
}

/** A clock whose `now()` is comparable across processes: `wallNow()` when the clock has one. */
export function wallClock(clock: Clock): Clock {
  const wallNow = clock.wallNow
  if (wallNow === undefined) return clock
  return {
    now: () => wallNow.call(clock),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
    wallNow: () => wallNow.call(clock),
  }
}

/** The real clock: `performance.now()` and the host's timers. */
export function systemClock(): Clock {
  return {
    now: () => performance.now(),
    setTimeout: (fn, ms) => {
      const handle = globalThis.setTimeout(fn, ms)
      // Do not keep a Node process alive just for gossip timers.
      ;(handle as { unref?: () => void }).unref?.()
      return handle as TimerHandle
    },
    clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    wallNow: () => Date.now(),
  }
}
