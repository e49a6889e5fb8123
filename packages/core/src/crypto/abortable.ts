/**
 * Abort support for crypto work the platform cannot cancel (a WebCrypto `deriveBits` runs to
 * its end): the caller's promise rejects at once, the work finishes unobserved.
 */
import { AbortError, throwIfAborted } from '../errors.js'

/**
 * Settles like `work`, or rejects with an {@link AbortError} as soon as `signal` aborts.
 * Throws at once when `signal` is already aborted (`work` is then never started).
 */
export async function abortable<T>(work: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  throwIfAborted(signal)
  if (signal === undefined) return work()
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError(undefined, { cause: signal.reason }))
    signal.addEventListener('abort', onAbort, { once: true })
    work().then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
