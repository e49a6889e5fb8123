/**
 * Options of {@link createSignalingServer}, their defaults and validation.
 */
import { InvalidOptionsError } from './errors.js'
import { resolveLimits, type Limits } from './limits.js'
import { isLogThreshold, type LogFn, type LogThreshold } from './log.js'
import { cryptoRandom, type RandomFn } from './sample.js'
import type { SourcePolicy } from './source-address.js'

/** Default TCP port (the CLI's too). */
export const DEFAULT_PORT = 4444
/** Default interface: loopback only. Pass `0.0.0.0` or `::` to listen on every interface. */
export const DEFAULT_HOST = '127.0.0.1'
/** Default interval between WebSocket pings; a connection that misses a pong for one interval is dropped. */
export const DEFAULT_PING_INTERVAL_MS = 30_000
/** Default time `close()` waits for clients to finish the closing handshake before cutting them off. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000

/** Options of {@link createSignalingServer}. Every field is optional. */
export interface SignalingServerOptions {
  /** TCP port; `0` picks a free one (read it back from `server.port`). Default 4444. */
  port?: number
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string
  /** Overrides of the default {@link Limits}. */
  limits?: Partial<Limits>
  /** Log sink. Default: one JSON object per line on stdout. */
  log?: LogFn
  /** Lowest level logged. Default `info`. */
  logLevel?: LogThreshold
  /** WebSocket ping interval in ms. Default 30,000. */
  pingIntervalMs?: number
  /** How long `close()` waits for clients' closing handshakes, in ms. Default 2,000. */
  closeTimeoutMs?: number
  /** Uniform random numbers in [0, 1) for peer sampling. Default: the platform CSPRNG. */
  random?: () => number
  /** Monotonic clock in ms for rate limiting and uptime. Default `performance.now`. */
  now?: () => number
  /** Aborting it closes the server (and rejects `createSignalingServer` if still starting). */
  signal?: AbortSignal
  /**
   * Trust `X-Forwarded-For` from reverse proxies in front of the server, for the per-source
   * limits: `true` for one proxy, or the number of proxies (hops) whose entries are trusted.
   * The source is then the address the outermost trusted proxy saw. Default `false`: the
   * header is ignored, because any client can send it. Behind a proxy without this option,
   * every client shares the proxy's address and its per-source limits.
   */
  trustProxy?: boolean | number
  /** IPv6 clients are counted per prefix of this many bits for the per-source limits (1–128). Default 64. */
  ipv6SourcePrefix?: number
}

/** Options with every default applied. */
export interface ResolvedOptions {
  port: number
  host: string
  limits: Limits
  log: LogFn | undefined
  logLevel: LogThreshold
  pingIntervalMs: number
  closeTimeoutMs: number
  random: RandomFn
  now: () => number
  signal: AbortSignal | undefined
  source: SourcePolicy
}

/**
 * Applies defaults and validates.
 *
 * @throws {@link InvalidOptionsError} on any invalid option or limit.
 */
export function resolveOptions(options: SignalingServerOptions = {}): ResolvedOptions {
  const port = options.port ?? DEFAULT_PORT
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidOptionsError(`port must be an integer in 0..65535, got ${String(port)}`)
  }
  const host = options.host ?? DEFAULT_HOST
  if (typeof host !== 'string' || host.length === 0) throw new InvalidOptionsError('host must be a non-empty string')
  const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS
  if (!Number.isSafeInteger(pingIntervalMs) || pingIntervalMs < 1) {
    throw new InvalidOptionsError(`pingIntervalMs must be a positive integer, got ${String(pingIntervalMs)}`)
  }
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS
  if (!Number.isSafeInteger(closeTimeoutMs) || closeTimeoutMs < 0) {
    throw new InvalidOptionsError(`closeTimeoutMs must be a non-negative integer, got ${String(closeTimeoutMs)}`)
  }
  const logLevel = options.logLevel ?? 'info'
  if (!isLogThreshold(logLevel)) {
    throw new InvalidOptionsError(`logLevel must be debug, info, warn, error or silent, got ${String(logLevel)}`)
  }
  for (const key of ['log', 'random', 'now'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw new InvalidOptionsError(`${key} must be a function`)
    }
  }
  const trustProxy = options.trustProxy ?? false
  const trustProxyHops = trustProxy === true ? 1 : trustProxy === false ? 0 : trustProxy
  if (!Number.isSafeInteger(trustProxyHops) || trustProxyHops < 0) {
    throw new InvalidOptionsError(`trustProxy must be a boolean or a non-negative integer, got ${String(trustProxy)}`)
  }
  const ipv6PrefixBits = options.ipv6SourcePrefix ?? 64
  if (!Number.isSafeInteger(ipv6PrefixBits) || ipv6PrefixBits < 1 || ipv6PrefixBits > 128) {
    throw new InvalidOptionsError(`ipv6SourcePrefix must be an integer in 1..128, got ${String(ipv6PrefixBits)}`)
  }
  return {
    port,
    host,
    limits: resolveLimits(options.limits),
    log: options.log,
    logLevel,
    pingIntervalMs,
    closeTimeoutMs,
    random: options.random ?? cryptoRandom,
    now: options.now ?? (() => performance.now()),
    signal: options.signal,
    source: { trustProxyHops, ipv6PrefixBits },
  }
}
