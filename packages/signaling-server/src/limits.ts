/**
 * Server limits (per connection, per source address and for the whole server), their
 * defaults and validation.
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
  /** A connection that sends no valid `hello` within this time is closed with 1008. Default 5 s. */
  helloTimeoutMs: number
  /**
   * A client whose unsent outbound data exceeds this many bytes (it does not read its
   * socket) is closed with code 1008. Default 4 MiB.
   */
  maxBufferedBytes: number
  /**
   * Open connections one source address may hold (an IPv6 source is its /64 prefix). More
   * are refused with `source-limit` and close 1013. Default 64.
   */
  maxConnectionsPerSource: number
  /** New connections per second one source may open (token-bucket refill rate). Default 5. */
  connectionsPerSecondPerSource: number
  /** Token-bucket capacity of new connections per source. Default 50. */
  connectionBurstPerSource: number
  /** `join` messages per second per source, over all its connections. Default 20. */
  joinsPerSecondPerSource: number
  /** Token-bucket capacity of `join` messages per source. Default 200. */
  joinBurstPerSource: number
  /** Messages per second per source, over all its connections (every frame counts). Default 500. */
  messagesPerSecondPerSource: number
  /** Token-bucket capacity of messages per source. Default 2,000. */
  messageBurstPerSource: number
  /**
   * A connection that is in no topic it joined with a proof and has relayed no signal for
   * this long (counted from its connection, its last signal or when it left its last proven
   * topic) is idle: when the server is near capacity, idle connections are evicted, oldest
   * first, to make room for newcomers. Default 10 s.
   */
  idleEvictAfterMs: number
  /**
   * "Near capacity": once the open connections reach this fraction of `maxConnections`, each
   * newcomer evicts the oldest idle connection, if there is one. In (0, 1]. Default 0.9.
   */
  evictAboveFraction: number
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
  helloTimeoutMs: 5_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxConnectionsPerSource: 64,
  connectionsPerSecondPerSource: 5,
  connectionBurstPerSource: 50,
  joinsPerSecondPerSource: 20,
  joinBurstPerSource: 200,
  messagesPerSecondPerSource: 500,
  messageBurstPerSource: 2_000,
  idleEvictAfterMs: 10_000,
  evictAboveFraction: 0.9,
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
  'maxConnectionsPerSource',
  'connectionBurstPerSource',
  'joinBurstPerSource',
  'messageBurstPerSource',
  'idleEvictAfterMs',
] as const satisfies ReadonlyArray<keyof Limits>

const RATE_LIMITS = [
  'messagesPerSecond',
  'connectionsPerSecondPerSource',
  'joinsPerSecondPerSource',
  'messagesPerSecondPerSource',
] as const satisfies ReadonlyArray<keyof Limits>

/**
 * Merges overrides onto {@link DEFAULT_LIMITS} and validates the result.
 *
 * @throws {@link InvalidOptionsError} when a limit is not a positive number (an integer
 * for everything but the per-second rates and `evictAboveFraction`), when
 * `evictAboveFraction` is above 1, or when `closeAboveBytes < maxMessageBytes`.
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
  for (const key of RATE_LIMITS) {
    const value = limits[key]
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new InvalidOptionsError(`limits.${key} must be a positive number, got ${String(value)}`)
    }
  }
  const fraction = limits.evictAboveFraction
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) {
    throw new InvalidOptionsError(`limits.evictAboveFraction must be in (0, 1], got ${String(fraction)}`)
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
