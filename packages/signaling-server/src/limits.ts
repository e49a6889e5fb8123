/**
 * Server limits, their defaults and validation, and the per-connection token bucket.
 */
import { InvalidOptionsError } from './errors.js'

/** Every limit the server enforces. Pass a `Partial<Limits>` to override some of them. */
export interface Limits {
  /** Largest accepted message in bytes (UTF-8). Larger ones get a `too-large` error. Default 64 KiB. */
  maxMessageBytes: number
  /**
   * Messages larger than this are not even read: the socket is closed with code 1009.
   * Default four times `maxMessageBytes`. Must be at least `maxMessageBytes`.
   */
  closeAboveBytes: number
  /** Sustained messages per second per connection (token-bucket refill rate). Default 50. */
  messagesPerSecond: number
  /** Token-bucket capacity: how many messages a connection may send in one burst. Default 100. */
  messageBurst: number
  /**
   * Consecutive rate-limited messages after which the socket is closed with code 1008.
   * Default 100.
   */
  maxRateViolations: number
  /** Topics one connection may have joined at once. Default 16. */
  maxTopicsPerConnection: number
  /** Open connections the server accepts in total. Default 10,000. */
  maxConnections: number
  /** Most peer ids returned in one `peers` answer. Default 8. */
  peerSampleSize: number
  /** A connection that sends no valid `hello` within this time is closed with 1008. Default 10 s. */
  helloTimeoutMs: number
  /**
   * A client whose unsent outbound data exceeds this many bytes (it does not read its
   * socket) is closed with code 1008. Default 4 MiB.
   */
  maxBufferedBytes: number
}

/** The default limits (`closeAboveBytes` is derived from `maxMessageBytes` when not given). */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxMessageBytes: 64 * 1024,
  closeAboveBytes: 4 * 64 * 1024,
  messagesPerSecond: 50,
  messageBurst: 100,
  maxRateViolations: 100,
  maxTopicsPerConnection: 16,
  maxConnections: 10_000,
  peerSampleSize: 8,
  helloTimeoutMs: 10_000,
  maxBufferedBytes: 4 * 1024 * 1024,
})

const INTEGER_LIMITS = [
  'maxMessageBytes',
  'closeAboveBytes',
  'messageBurst',
  'maxRateViolations',
  'maxTopicsPerConnection',
  'maxConnections',
  'peerSampleSize',
  'helloTimeoutMs',
  'maxBufferedBytes',
] as const satisfies ReadonlyArray<keyof Limits>

/**
 * Merges overrides onto {@link DEFAULT_LIMITS} and validates the result.
 *
 * @throws {@link InvalidOptionsError} when a limit is not a positive number (an integer
 * for everything but `messagesPerSecond`), or `closeAboveBytes < maxMessageBytes`.
 */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const maxMessageBytes = overrides.maxMessageBytes ?? DEFAULT_LIMITS.maxMessageBytes
  const limits: Limits = {
    ...DEFAULT_LIMITS,
    closeAboveBytes: 4 * maxMessageBytes,
    ...withoutUndefined(overrides),
  }
  for (const key of INTEGER_LIMITS) {
    const value = limits[key]
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InvalidOptionsError(`limits.${key} must be a positive integer, got ${String(value)}`)
    }
  }
  if (!Number.isFinite(limits.messagesPerSecond) || limits.messagesPerSecond <= 0) {
    throw new InvalidOptionsError(
      `limits.messagesPerSecond must be a positive number, got ${String(limits.messagesPerSecond)}`,
    )
  }
  if (limits.closeAboveBytes < limits.maxMessageBytes) {
    throw new InvalidOptionsError(
      `limits.closeAboveBytes (${limits.closeAboveBytes}) must be >= limits.maxMessageBytes (${limits.maxMessageBytes})`,
    )
  }
  return limits
}

function withoutUndefined(overrides: Partial<Limits>): Partial<Limits> {
  const out: Partial<Limits> = {}
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value
  }
  return out
}

/**
 * A token bucket: holds up to `burst` tokens, refills at `ratePerSecond`, and each
 * {@link TokenBucket.take} spends one. Time comes from the injected `now` (milliseconds).
 */
export class TokenBucket {
  #tokens: number
  #last: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.#tokens = burst
    this.#last = now()
  }

  /** Spends one token. Returns `false`, spending nothing, when the bucket is empty. */
  take(): boolean {
    const now = this.now()
    const elapsedMs = Math.max(0, now - this.#last)
    this.#last = now
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsedMs * this.ratePerSecond) / 1000)
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }

  /** Tokens currently available (fractional while refilling). */
  get tokens(): number {
    return this.#tokens
  }
}
