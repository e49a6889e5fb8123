/**
 * Waiting helpers of the trusted-room tests: sealing and opening are real WebCrypto work, so
 * tests wait on conditions (polled every macrotask) under an AbortSignal deadline, never on sleeps.
 */

/** Resolves once `predicate()` holds; rejects when `signal` aborts (default: 10 s) with `what` in the message. */
export function waitFor(predicate: () => boolean, what = 'a condition', signal: AbortSignal = AbortSignal.timeout(10_000)): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) return resolve()
      if (signal.aborted) return reject(new Error(`timed out waiting for ${what}`))
      setImmediate(check)
    }
    check()
  })
}
