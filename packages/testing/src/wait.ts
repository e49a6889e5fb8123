/**
 * Helpers that let tests wait on events and conditions instead of sleeping. Every wait
 * takes an `AbortSignal` as its deadline (`AbortSignal.timeout(ms)`), and rejects with an
 * `AbortError` that says what it was waiting for.
 */
import { AbortError, type EventMap, type Subscribable } from '@gossamer/core'

/** Deadline used when a wait is given no signal, in ms. */
export const DEFAULT_WAIT_MS = 5000

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Deadline. Default: `AbortSignal.timeout(DEFAULT_WAIT_MS)`. */
  signal?: AbortSignal
  /** How often the predicate is checked, in ms. Default 2. */
  intervalMs?: number
  /** Named in the error when the deadline passes. */
  description?: string
}

/** Options of {@link waitForEvent}. */
export interface WaitForEventOptions<T> {
  /** Deadline. Default: `AbortSignal.timeout(DEFAULT_WAIT_MS)`. */
  signal?: AbortSignal
  /** Only a payload that passes this resolves the wait. */
  filter?: (payload: T) => boolean
}

/**
 * Resolves with the payload of the next `event` emitted by `source` (that passes
 * `filter`), or rejects with an `AbortError` when `signal` aborts first.
 *
 * TypeScript cannot infer the event map from an interface that merely extends
 * `Subscribable` (such as `Transport` or `Connection`): pass it explicitly, as below.
 *
 * @example
 * ```ts
 * const { connection } = await waitForEvent<TransportEvents, 'connection:open'>(transport, 'connection:open', {
 *   signal: AbortSignal.timeout(1000),
 *   filter: ({ connection }) => connection.remotePeerId === 'b',
 * })
 * ```
 */
export function waitForEvent<Events extends EventMap, K extends keyof Events & string>(
  source: Subscribable<Events>,
  event: K,
  options: WaitForEventOptions<Events[K]> = {},
): Promise<Events[K]> {
  const signal = options.signal ?? AbortSignal.timeout(DEFAULT_WAIT_MS)
  const filter = options.filter
  return new Promise<Events[K]>((resolve, reject) => {
    if (signal.aborted) {
      reject(deadlineError(`event "${event}"`, signal))
      return
    }
    const finish = (): void => {
      off()
      signal.removeEventListener('abort', onAbort)
    }
    const onAbort = (): void => {
      finish()
      reject(deadlineError(`event "${event}"`, signal))
    }
    const off = source.on(event, (payload) => {
      let accepted: boolean
      try {
        accepted = filter === undefined || filter(payload)
      } catch (error) {
        finish()
        reject(error)
        return
      }
      if (!accepted) return
      finish()
      resolve(payload)
    })
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Resolves once `predicate()` returns true, checking now and then every `intervalMs`;
 * rejects with an `AbortError` when `signal` aborts first, or with the predicate's error
 * if it throws.
 *
 * @example
 * ```ts
 * await waitFor(() => received.length === 10, { signal: AbortSignal.timeout(1000) })
 * ```
 */
export function waitFor(predicate: () => boolean, options: WaitForOptions = {}): Promise<void> {
  const signal = options.signal ?? AbortSignal.timeout(DEFAULT_WAIT_MS)
  const intervalMs = options.intervalMs ?? 2
  const what = options.description ?? 'a condition'
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const finish = (): void => {
      if (timer !== undefined) clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
    }
    const onAbort = (): void => {
      finish()
      reject(deadlineError(what, signal))
    }
    const check = (): void => {
      timer = undefined
      let done: boolean
      try {
        done = predicate()
      } catch (error) {
        finish()
        reject(error)
        return
      }
      if (done) {
        finish()
        resolve()
      } else if (signal.aborted) {
        onAbort()
      } else {
        timer = setTimeout(check, intervalMs)
      }
    }
    signal.addEventListener('abort', onAbort, { once: true })
    check()
  })
}

function deadlineError(what: string, signal: AbortSignal): AbortError {
  return new AbortError(`gave up waiting for ${what}: the deadline passed`, { cause: signal.reason })
}
