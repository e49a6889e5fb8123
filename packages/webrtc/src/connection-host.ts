/**
 * The seam between one WebRTC connection and the transport that owns it: what a
 * connection needs from its transport, and the phases a connection goes through.
 */
import type { Clock } from '@gossamer/core'
import type { PeerSignal } from './envelope.js'
import type { WebRTCConnection } from './webrtc-connection.js'

/** Where a connection is in its life. */
export type ConnectionPhase = 'connecting' | 'open' | 'closing' | 'destroyed'

/** What a connection needs from its transport. */
export interface ConnectionHost {
  /** Timers of the connection (ready resends, candidate batches, close drain). */
  readonly clock: Clock
  /** Largest data-channel message; bigger frames travel in chunks of this size. */
  readonly chunkBytes: number
  /** Largest frame accepted from the peer, once reassembled. */
  readonly maxMessageBytes: number
  /** How long a closing connection waits for the peer to tear down, in ms. */
  readonly closeTimeoutMs: number
  /** Use TCP ICE candidates (else they are dropped both ways: see ice-filter.ts). */
  readonly iceTcp: boolean
  /** simple-peer produced signals for the remote peer: one offer or answer, or a batch of candidates. */
  signal(connection: WebRTCConnection, signals: PeerSignal[]): void
  /** The connection is open both ways. Dialer: the acceptor acknowledged `ready`. Acceptor: `ready` arrived. */
  opened(connection: WebRTCConnection): void
  /** The RTCPeerConnection is gone. Before `open`, the attempt failed for `reason`. */
  destroyed(connection: WebRTCConnection, reason: string): void
  /** A problem to report through the transport's `error` event. */
  error(error: Error): void
}
