/**
 * The callers of `flush()` waiting for a count of appended updates to become durable.
 */
import { AbortError } from '../errors.js'

interface Waiter {
  target: number
  resolve: () => void
  reject: (error: unknown) => void
}

/** Pending `flush()` calls, each waiting until `durable >= target`. */
export class FlushWaiters {
  #waiters: Waiter[] = []

  /** Resolves once {@link settle} reports `durable >= target`; rejects on {@link rejectAll} or abort. */
  wait(target: number, signal?: AbortSignal): Promise<void> {
    if (signal === undefined) {
      // The common case (a flush per edit): no listener to wire, no closure to keep.
      return new Promise<void>((resolve, reject) => void this.#waiters.push({ target, resolve, reject }))
    }
    if (signal.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }))
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        reject(new AbortError(undefined, { cause: signal.reason }))
      }
      const waiter: Waiter = {
        target,
        resolve: () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiters.push(waiter)
    })
  }

  /** Resolves every waiter whose target is reached. */
  settle(durable: number): void {
    if (this.#waiters.length === 0) return
    let ready: Waiter[] | undefined
    let waiting: Waiter[] | undefined
    for (const waiter of this.#waiters) {
      if (waiter.target <= durable) (ready ??= []).push(waiter)
      else (waiting ??= []).push(waiter)
    }
    if (ready === undefined) return
    this.#waiters = waiting ?? []
    for (const waiter of ready) waiter.resolve()
  }

  /** Rejects every waiter with `error`. */
  rejectAll(error: unknown): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) waiter.reject(error)
  }
}
