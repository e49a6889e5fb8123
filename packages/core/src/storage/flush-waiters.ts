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
    if (signal?.aborted === true) return Promise.reject(new AbortError(undefined, { cause: signal.reason }))
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        reject(new AbortError(undefined, { cause: signal?.reason }))
      }
      const done = (): void => signal?.removeEventListener('abort', onAbort)
      const waiter: Waiter = {
        target,
        resolve: () => {
          done()
          resolve()
        },
        reject: (error) => {
          done()
          reject(error)
        },
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiters.push(waiter)
    })
  }

  /** Resolves every waiter whose target is reached. */
  settle(durable: number): void {
    const ready = this.#waiters.filter((waiter) => waiter.target <= durable)
    if (ready.length === 0) return
    this.#waiters = this.#waiters.filter((waiter) => waiter.target > durable)
    for (const waiter of ready) waiter.resolve()
  }

  /** Rejects every waiter with `error`. */
  rejectAll(error: unknown): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) waiter.reject(error)
  }
}
