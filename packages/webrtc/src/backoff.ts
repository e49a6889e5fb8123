/**
 * Reconnect delays for signaling sockets: exponential growth with full jitter, so a
 * restarted server is not hit by every client at the same instant.
 */
import { systemRandom, type RandomSource } from '@gossamer/core'

/** The delay before reconnect attempt `attempt` (0 for the first retry), in ms. */
export type Backoff = (attempt: number) => number

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffInit {
  /** Delay of the first retry before jitter, in ms. Default 250. */
  initialMs?: number
  /** Largest delay before jitter, in ms. Default 10 000. */
  maxMs?: number
  /** Growth per attempt. Default 2. */
  factor?: number
  /** Fraction of the delay that is random: 0 = none, 1 = full jitter. Default 0.5. */
  jitter?: number
  /** Randomness for the jitter. Default: the platform's crypto generator. */
  random?: RandomSource
}

/**
 * Exponential backoff with jitter: attempt n waits `min(maxMs, initialMs * factor^n)`,
 * of which a `jitter` fraction is drawn at random.
 *
 * @example
 * ```ts
 * webrtc({ signaling, backoff: exponentialBackoff({ initialMs: 100, maxMs: 2000 }) })
 * ```
 */
export function exponentialBackoff(init: ExponentialBackoffInit = {}): Backoff {
  const initialMs = init.initialMs ?? 250
  const maxMs = init.maxMs ?? 10_000
  const factor = init.factor ?? 2
  const jitter = Math.min(1, Math.max(0, init.jitter ?? 0.5))
  const random = init.random ?? systemRandom()
  return (attempt) => {
    const base = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt))
    return base * (1 - jitter) + base * jitter * random.next()
  }
}
