/**
 * Options of the WebRTC transport: what users choose (`WebRTCInit`), what the host injects
 * (`WebRTCDependencies`), and their validation into one resolved config.
 */
import { ConfigError, systemClock, systemRandom, type Clock, type RandomSource } from '@gossamer/core'
import { exponentialBackoff, type Backoff } from './backoff.js'

/** The WebRTC implementation simple-peer runs on (in Node: `@roamhq/wrtc`). */
export interface WrtcImplementation {
  RTCPeerConnection: unknown
  RTCSessionDescription: unknown
  RTCIceCandidate: unknown
}

/** The subset of the WHATWG `WebSocket` the signaling client uses (the `ws` package fits). */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void
  addEventListener(type: 'open' | 'error', listener: (event: unknown) => void): void
}

/** A `WebSocket` constructor: the browser's, or `ws` in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike

/** User options of {@link webrtc}. */
export interface WebRTCInit {
  /** Signaling server URLs (`ws://` or `wss://`). The client stays connected to each of them. May be empty: then only the mesh relay signals. */
  signaling: string[]
  /** ICE servers (STUN/TURN). Default: none, so only host candidates (enough on one LAN or machine). */
  iceServers?: RTCIceServer[]
  /** Frames are cut into chunks of at most this many bytes (Chrome drops data-channel messages over 256 KiB). Default 16 KiB; 64..65536. */
  chunkBytes?: number
  /** Largest frame accepted from a peer, in bytes. Default 64 MiB (the largest Yjs update core accepts). */
  maxMessageBytes?: number
  /** A dial whose data channel is not open after this many ms fails with a `TransportError`. Default 10 000. */
  connectTimeoutMs?: number
  /**
   * An admitted offer whose connection is not open after this many ms is dropped. Keep it at
   * or below the room's admission reservation (its handshake timeout, 3 × `roundMs`: 3000 ms
   * by default), so an unopened connection never outlives the slot reserved for it. Default 3000.
   */
  acceptTimeoutMs?: number
  /** A closing connection waits this long for the peer to acknowledge, so frames sent just before `close()` still arrive. Default 1000. */
  closeTimeoutMs?: number
  /** Delay before the n-th reconnect (0-based) to a signaling server, in ms. Default {@link exponentialBackoff}(). */
  backoff?: Backoff
  /** Trickle ICE candidates (faster with STUN/TURN) instead of one offer/answer with all candidates. Default true. */
  trickle?: boolean
  /**
   * Use ICE candidates over TCP, ours and the remote's. Default false: host TCP candidates
   * rarely help peer to peer, and each pair of them costs a TCP connection.
   */
  iceTcp?: boolean
}

/** What the host injects into {@link webrtc}: platform objects, time and randomness. */
export interface WebRTCDependencies {
  /** WebRTC implementation for Node (`import wrtc from '@roamhq/wrtc'`). Default: the browser's globals. */
  wrtc?: WrtcImplementation
  /** WebSocket constructor. Default: the global `WebSocket` (in Node 20, pass `ws`). */
  WebSocket?: WebSocketConstructor
  /** Timers (backoff, timeouts). Default: the system clock. */
  clock?: Clock
  /** Randomness for connection ids and backoff jitter. Default: the platform's crypto generator. */
  random?: RandomSource
}

/** Options and dependencies, validated, with defaults applied. Internal. */
export interface ResolvedOptions {
  signaling: string[]
  iceServers: RTCIceServer[]
  chunkBytes: number
  maxMessageBytes: number
  connectTimeoutMs: number
  acceptTimeoutMs: number
  closeTimeoutMs: number
  backoff: Backoff
  trickle: boolean
  iceTcp: boolean
  wrtc: WrtcImplementation | undefined
  WebSocket: WebSocketConstructor | undefined
  clock: Clock
  random: RandomSource
}

/** Default chunk size: 16 KiB, the largest size every browser delivers unfragmented. */
export const DEFAULT_CHUNK_BYTES = 16 * 1024
/** Default frame size limit (matches core's largest Yjs update). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024

const positive = (value: number | undefined, name: string, fallback: number): number => {
  const v = value ?? fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(`${name} must be a finite number > 0`)
  return v
}

/**
 * Validates signaling server URLs (throws {@link ConfigError}): an array of `ws:` or `wss:`
 * URLs. Returns them without duplicates. Internal.
 */
export function signalingUrls(urls: unknown, name = 'signaling'): string[] {
  if (!Array.isArray(urls)) throw new ConfigError(`${name} must be an array of ws:// or wss:// URLs`)
  for (const url of urls as unknown[]) {
    let parsed: URL
    try {
      parsed = new URL(String(url))
    } catch (cause) {
      throw new ConfigError(`signaling URL "${String(url)}" is not a URL`, { cause })
    }
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new ConfigError(`signaling URL "${String(url)}" must use ws: or wss:`)
  }
  return [...new Set(urls as string[])]
}

/** Validates options (throws {@link ConfigError}) and applies defaults. Internal. */
export function resolveOptions(init: WebRTCInit & WebRTCDependencies): ResolvedOptions {
  if (typeof init !== 'object' || init === null) throw new ConfigError('webrtc() needs an options object')
  const signaling = signalingUrls(init.signaling)
  const chunkBytes = init.chunkBytes ?? DEFAULT_CHUNK_BYTES
  if (!Number.isInteger(chunkBytes) || chunkBytes < 64 || chunkBytes > 65536) throw new ConfigError('chunkBytes must be an integer in 64..65536')
  const maxMessageBytes = init.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1) throw new ConfigError('maxMessageBytes must be an integer ≥ 1')
  if (init.iceServers !== undefined && !Array.isArray(init.iceServers)) throw new ConfigError('iceServers must be an array')
  const wrtc = init.wrtc
  if (wrtc !== undefined && (typeof wrtc !== 'object' || wrtc === null || typeof wrtc.RTCPeerConnection !== 'function')) {
    throw new ConfigError('wrtc must provide RTCPeerConnection, RTCSessionDescription and RTCIceCandidate')
  }
  if (wrtc === undefined && typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection !== 'function') {
    throw new ConfigError('no WebRTC here: pass a wrtc implementation (in Node: `import wrtc from "@roamhq/wrtc"`)')
  }
  const WebSocketImpl = init.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
  if (signaling.length > 0 && typeof WebSocketImpl !== 'function') {
    throw new ConfigError('no WebSocket here: pass one (in Node 20: `import { WebSocket } from "ws"`)')
  }
  if (init.backoff !== undefined && typeof init.backoff !== 'function') throw new ConfigError('backoff must be a function (attempt) => ms')
  const random = init.random ?? systemRandom()
  return {
    signaling,
    iceServers: init.iceServers ?? [],
    chunkBytes,
    maxMessageBytes,
    connectTimeoutMs: positive(init.connectTimeoutMs, 'connectTimeoutMs', 10_000),
    acceptTimeoutMs: positive(init.acceptTimeoutMs, 'acceptTimeoutMs', 3000),
    closeTimeoutMs: positive(init.closeTimeoutMs, 'closeTimeoutMs', 1000),
    backoff: init.backoff ?? exponentialBackoff({ random }),
    trickle: init.trickle ?? true,
    iceTcp: init.iceTcp ?? false,
    wrtc,
    WebSocket: WebSocketImpl,
    clock: init.clock ?? systemClock(),
    random,
  }
}
