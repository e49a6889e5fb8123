/**
 * @packageDocumentation
 * The WebRTC transport of Gossamer: peers connect directly over WebRTC data channels
 * (simple-peer). A signaling client introduces them through `@gossamer/signaling-server`
 * (room names are hashed, so the server never sees them, and a join proves knowledge of the
 * room, so the server lists a room's peers only to those who know it), and once a peer is in the mesh,
 * signals travel through the room's relay, so new links form after the server is gone.
 * A frame travels in one data-channel message when it fits (16 KiB by default); a larger one
 * is chunked and reassembled, so frames may be of any size. `serverSignals()` is the
 * signaling-server client on its own: a `SignalPath` (core's signaling seam) over servers.
 *
 * @example
 * ```ts
 * import * as Y from 'yjs'
 * import wrtc from '@roamhq/wrtc' // Node only; browsers have WebRTC built in
 * import { WebSocket } from 'ws' // Node 20 only
 * import { createRoom } from '@gossamer/core'
 * import { webrtc } from '@gossamer/webrtc'
 *
 * const room = createRoom({
 *   name: 'design-review',
 *   doc: new Y.Doc(),
 *   transports: [webrtc({ signaling: ['ws://127.0.0.1:4444'], wrtc, WebSocket })],
 * })
 * await room.whenSynced()
 * ```
 */
export { webrtc } from './webrtc.js'
export type {
  WebRTCTransport,
  WebRTCTransportStats,
  WebRTCConnectionInfo,
  WebRTCStopOptions,
} from './transport-types.js'
export type {
  WebRTCInit,
  WebRTCDependencies,
  WrtcImplementation,
  WebSocketLike,
  WebSocketConstructor,
} from './options.js'
export { DEFAULT_CHUNK_BYTES, DEFAULT_MAX_MESSAGE_BYTES } from './options.js'
export { exponentialBackoff } from './backoff.js'
export { SignalingUnreachableError } from './errors.js'
export type { Backoff, ExponentialBackoffInit } from './backoff.js'
export { MIN_SECRET_BYTES, ROOM_PROOF_LABEL, roomTopic, topicFromProof, topicOf, topicProof } from './topic.js'
export type { RoomTopic } from './topic.js'
export { SIGNALING_PROTOCOL_VERSION } from './server-messages.js'
export { serverSignals, DEFAULT_SERVER_SIGNAL_BYTES } from './server-signals.js'
export type { ServerSignals, ServerSignalsEvents, ServerSignalsInit, ServerSignalsDependencies } from './server-signals.js'
