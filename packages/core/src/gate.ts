/**
 * One-shot promises that a room opens or fails once (loaded, synced), and a helper that
 * lets a caller stop waiting through an `AbortSignal` without leaking listeners.
 */
import { AbortError } from './errors.js'

/** A promise with its settle functions; rejections nobody awaits are not reported as unhandled. */
export interface Gate {
  readonly promise: Promise<void>
  open(): void
  fail(error: Error): void
}

/** Creates a {@link Gate}. */
export function gate(): Gate {
  let open!: () => void
  let fail!: (error: Error) => void
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve
    fail = reject
  })
  promise.catch(() => undefined)
  return { promise, open, fail }
}

/** `promise`, or an {@link AbortError} as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError(undefined, { cause: signal.reason }))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
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
