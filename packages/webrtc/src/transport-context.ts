/**
 * What the parts of a WebRTC transport (its dialer, its acceptor, its connection table)
 * share: the options, the counters, the creation gate, and a few calls back into the
 * transport. The transport makes one per instance; nothing here is module-global.
 */
import type { PeerId } from '@gossamer/core'
import type { CreationGate } from './creation-gate.js'
import type { Envelope } from './envelope.js'
import type { ResolvedOptions } from './options.js'
import type { PeerConnections } from './peer-connections.js'
import type { WebRTCTransportStats } from './transport-types.js'

/** The shared state and calls of one transport's parts. Internal. */
export interface TransportContext {
  /** The transport's resolved options. */
  readonly opts: ResolvedOptions
  /** The transport's counters; the parts count into them. */
  readonly stats: WebRTCTransportStats
  /** Holds back new RTCPeerConnections while one is closing. */
  readonly gate: CreationGate
  /** Every RTCPeerConnection that exists now. */
  readonly connections: PeerConnections
  /** True while the transport is started. */
  running(): boolean
  /** Our own peer id (set by `start()`). */
  localPeerId(): PeerId
  /** Asks the owner's `admit()` (given to `start()`) about an offer from `from`; true when there is none. May throw. */
  admits(from: PeerId, request: { urgent: boolean }): boolean
  /** Sends a signaling envelope; false when no route to `to` exists now. */
  sendEnvelope(to: PeerId, envelope: Envelope): boolean
  /** Reports a problem through the transport's `error` event. */
  error(error: Error): void
}

/** The key of one connection attempt: the remote peer and the connection id. Internal. */
export function connectionKey(peerId: PeerId, cid: string): string {
  return `${peerId}/${cid}`
}
