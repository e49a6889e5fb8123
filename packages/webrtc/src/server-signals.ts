/**
 * The signaling-server path of the signaling seam: a `SignalPath` (core's interface) over
 * connections to `@gossamer/signaling-server` (protocol 2). It also joins rooms on the
 * servers (hashed topics with their proofs) and reports the peers they list, which is how
 * the WebRTC transport discovers peers.
 *
 * On the wire, a payload travels as the `data` of a `signal` message: the unpadded base64url
 * text of its bytes (the server never looks inside `data`). Signals go on a shared signaling
 * topic every client joins, so any two clients of one server can signal each other. The
 * client itself is in server-signals-client.ts.
 */
import { ConfigError, systemClock, systemRandom, type Clock, type PeerId, type RandomSource, type SignalPathEvents, type Subscribable } from '@gossamer/core'
import { exponentialBackoff, type Backoff } from './backoff.js'
import { signalingUrls, type WebSocketConstructor } from './options.js'
import { PEER_ID_PATTERN } from './server-messages.js'
import { ServerSignalsClient } from './server-signals-client.js'

export { REDISCOVER_MIN_MS, SIGNAL_TOPIC_NAME } from './server-signals-client.js'

/**
 * Default {@link ServerSignals.maxSignalBytes}: 48,000 bytes become 64,000 characters of
 * base64url, and the whole `signal` message (topic, a 64-character peer id, a ref) stays
 * under the server's default 64 KiB message limit.
 */
export const DEFAULT_SERVER_SIGNAL_BYTES = 48_000

/** Events of {@link ServerSignals}: the seam's events, discovery and errors. */
export type ServerSignalsEvents = SignalPathEvents & {
  /** A server listed `peerId` as a member of `room` (the name given to `join`). */
  'peer:discover': { peerId: PeerId; room: string }
  /** Something went wrong (a server dropped, a malformed message); the client keeps running. */
  error: { error: Error }
}

/** User options of {@link serverSignals}. */
export interface ServerSignalsInit {
  /** Signaling server URLs (`ws://` or `wss://`). The client stays connected to each. May be empty. */
  urls: string[]
  /** Our peer id, announced in `hello`: 1-64 characters of `[A-Za-z0-9_-]`. */
  peerId: PeerId
  /**
   * Largest payload `send` accepts, in bytes. Default {@link DEFAULT_SERVER_SIGNAL_BYTES}.
   * The base64url text (4/3 of it) plus about 180 bytes must fit the server's `maxMessageBytes`.
   */
  maxSignalBytes?: number
  /** Delay before the n-th reconnect (0-based), in ms. Default {@link exponentialBackoff}(). */
  backoff?: Backoff
}

/** What the host injects into {@link serverSignals}. */
export interface ServerSignalsDependencies {
  /** WebSocket constructor. Default: the global `WebSocket` (in Node 20, pass `ws`). */
  WebSocket?: WebSocketConstructor
  /** Timers (backoff, `whenSettled`). Default: the system clock. */
  clock?: Clock
  /** Randomness for the default backoff's jitter. Default: the platform's crypto generator. */
  random?: RandomSource
}

/**
 * The signaling-server client: a `SignalPath` (core's signaling seam: it satisfies the
 * contract and runs the conformance suite), plus room discovery. Beyond the contract it
 * guarantees: signals of one sender to one receiver arrive in order while one server
 * connection carries them (a reconnect, or a switch to another server, may reorder or lose
 * some); a signal to a peer that no server knows is reported with `signal:undelivered` (each
 * server that answers `unknown-peer` is skipped for that peer, and the next one is tried).
 * `from` is the id the sender's socket said `hello` with: the server vouches for the
 * socket, not for who holds it.
 */
export interface ServerSignals extends Subscribable<ServerSignalsEvents> {
  /** Largest payload {@link ServerSignals.send} accepts, in bytes. */
  readonly maxSignalBytes: number
  /** True while some server is connected, welcomed us and has every topic joined. */
  readonly ready: boolean
  /**
   * Sends `data` to `to` through the first ready server not known to lack `to`. Returns
   * false when it is too large, the client is stopped, or no server can take it now.
   */
  send(to: PeerId, data: Uint8Array): boolean
  /**
   * Joins `room` (its hashed topic, with its proof) on every server, now and after reconnects.
   * A room with a secret passes its `topicProof` (from its key schedule): the topic is then
   * derived from it, and nothing the server sees can be linked to the room name. A rotated
   * room passes `topicProofs` instead (the current generation's first, then those in their
   * grace period) and meets on every one; joining a joined room again with another list
   * moves it: the topics no longer listed are left, the new ones joined.
   */
  join(room: string, options?: { topicProof?: Uint8Array; topicProofs?: readonly Uint8Array[] }): void
  /** Leaves `room` on every server. */
  leave(room: string): void
  /**
   * Asks every welcoming server again for the peers of a joined `room`: sends `join` again for
   * each of its topics, with its proof, and the server answers with a fresh sample (a
   * `peer:discover` per peer, like the first answer). At most once per
   * {@link REDISCOVER_MIN_MS} per room (extra calls do nothing), so a caller never trips a
   * server's per-address join limit. Optional: older implementations lack it.
   */
  rediscover?(room: string): void
  /**
   * Resolves once every server has either welcomed us or failed its first attempt, after
   * `timeoutMs` at most, or when `signal` aborts. Never rejects.
   */
  whenSettled(timeoutMs: number, signal: AbortSignal): Promise<void>
  /** Closes every socket: afterwards `send` returns false and nothing is emitted. Idempotent. */
  stop(): void
}

/**
 * Connects to signaling servers as `peerId`, and gives a `SignalPath` over them.
 *
 * @throws {@link ConfigError} for a bad peer id, URL or limit, or URLs without a WebSocket.
 * @example
 * ```ts
 * import { WebSocket } from 'ws' // Node 20 only
 * const signals = serverSignals({ urls: ['ws://127.0.0.1:4444'], peerId: 'ada', WebSocket })
 * signals.on('signal', ({ from, data }) => console.log(from, data))
 * await signals.whenSettled(5000, AbortSignal.timeout(5000))
 * signals.send('grace', new TextEncoder().encode('hello'))
 * signals.stop()
 * ```
 */
export function serverSignals(init: ServerSignalsInit & ServerSignalsDependencies): ServerSignals {
  if (typeof init !== 'object' || init === null) throw new ConfigError('serverSignals() needs an options object')
  if (typeof init.peerId !== 'string' || !PEER_ID_PATTERN.test(init.peerId)) throw new ConfigError('peerId must be 1-64 characters of [A-Za-z0-9_-]')
  const urls = signalingUrls(init.urls, 'urls')
  const maxSignalBytes = init.maxSignalBytes ?? DEFAULT_SERVER_SIGNAL_BYTES
  if (!Number.isInteger(maxSignalBytes) || maxSignalBytes < 1) throw new ConfigError('maxSignalBytes must be an integer ≥ 1')
  const WebSocketImpl = init.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
  if (urls.length > 0 && typeof WebSocketImpl !== 'function') {
    throw new ConfigError('no WebSocket here: pass one (in Node 20: `import { WebSocket } from "ws"`)')
  }
  if (init.backoff !== undefined && typeof init.backoff !== 'function') throw new ConfigError('backoff must be a function (attempt) => ms')
  const clock = init.clock ?? systemClock()
  const backoff = init.backoff ?? exponentialBackoff({ random: init.random ?? systemRandom() })
  return new ServerSignalsClient(init.peerId, urls, maxSignalBytes, clock, backoff, WebSocketImpl)
}
