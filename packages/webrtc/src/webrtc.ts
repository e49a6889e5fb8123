/**
 * The public factory of the WebRTC transport.
 */
import { resolveOptions, type WebRTCDependencies, type WebRTCInit } from './options.js'
import type { WebRTCTransport } from './transport-types.js'
import { WebRTCTransportImpl } from './webrtc-transport.js'

/**
 * Creates a WebRTC transport. Give it to `createRoom({ transports: [...] })`; the room
 * starts it, joins its room name as a topic, and dials and admits peers.
 *
 * Throws a `ConfigError` for invalid options, or when no WebRTC or WebSocket
 * implementation is available.
 *
 * @example
 * ```ts
 * // Node (20): inject WebRTC and WebSocket implementations
 * import wrtc from '@roamhq/wrtc'
 * import { WebSocket } from 'ws'
 * const transport = webrtc({ signaling: ['ws://127.0.0.1:4444'], wrtc, WebSocket })
 *
 * // Browser: globals are used
 * const transport = webrtc({ signaling: ['wss://signal.example.com'], iceServers: [{ urls: 'stun:stun.example.com' }] })
 * ```
 */
export function webrtc(init: WebRTCInit & WebRTCDependencies): WebRTCTransport {
  return new WebRTCTransportImpl(resolveOptions(init))
}
