/**
 * Stepping a virtual clock round by round until something holds, for room tests on the
 * memory network.
 */
import type { VirtualClock } from '../../src/index.js'

const inFlight = new Set<Promise<unknown>>()
let counting = false

/**
 * Counts the platform's WebCrypto calls in flight, once per test file: each method of
 * `crypto.subtle` is wrapped so its promise is tracked and then forwarded untouched (the real
 * crypto runs; nothing is faked). Rooms with a secret sign, verify, derive and seal there.
 */
function countWebCrypto(): void {
  if (counting) return
  counting = true
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle
  if (subtle === undefined) return
  const target = subtle as unknown as Record<string, unknown>
  const methods = ['encrypt', 'decrypt', 'sign', 'verify', 'digest', 'generateKey', 'deriveKey', 'deriveBits', 'importKey', 'exportKey', 'wrapKey', 'unwrapKey']
  for (const name of methods) {
    const original = target[name]
    if (typeof original !== 'function') continue
    target[name] = (...args: unknown[]): Promise<unknown> => {
      const promise = (original as (...a: unknown[]) => Promise<unknown>).apply(subtle, args)
      inFlight.add(promise)
      const done = (): void => {
        inFlight.delete(promise)
      }
      promise.then(done, done)
      return promise
    }
  }
}

/** A real macrotask turn: lets promise chains and I/O callbacks run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Waits (in real time) until no WebCrypto call is in flight and a few event-loop turns passed
 * without a new one starting: what a handshake or a seal does with the time it was given is
 * done before the virtual clock moves on. It waits only for calls already started (a WebCrypto
 * promise always settles), and stops looping after `maxMs` of real time.
 */
export async function cryptoSettled(maxMs = 10_000): Promise<void> {
  countWebCrypto()
  const deadline = Date.now() + maxMs
  let quietTurns = 0
  while (quietTurns < 3 && Date.now() < deadline) {
    if (inFlight.size > 0) {
      quietTurns = 0
      await Promise.allSettled([...inFlight])
    } else {
      quietTurns++
    }
    await turn()
  }
}

/** With `settle`, virtual time moves this far at most before the crypto in flight settles. */
const SETTLE_STEP_MS = 5

/**
 * Advances `clock` `roundMs` at a time, at most `rounds` times, until `predicate` holds; true
 * if it did. With `settle`, the clock moves at most 5 ms at a time and waits after each
 * step until the platform's crypto is idle (`cryptoSettled`): rooms with a secret sign,
 * verify and seal in real time, outside the virtual clock, so each crypto step of a
 * handshake would otherwise cost up to a whole round of virtual time, and a few of them the
 * handshake timeout (three rounds), more often the more loaded the machine is.
 */
export async function roundsUntil(clock: VirtualClock, roundMs: number, rounds: number, predicate: () => boolean, options: { settle?: boolean } = {}): Promise<boolean> {
  const settle = options.settle === true
  if (settle) await cryptoSettled()
  for (let r = 0; r < rounds; r++) {
    if (predicate()) return true
    if (!settle) {
      await clock.advance(roundMs)
      continue
    }
    for (let moved = 0; moved < roundMs; moved += SETTLE_STEP_MS) {
      await clock.advance(Math.min(SETTLE_STEP_MS, roundMs - moved))
      await cryptoSettled()
    }
  }
  return predicate()
}
