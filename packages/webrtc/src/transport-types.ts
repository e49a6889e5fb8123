/**
 * The public face of the WebRTC transport: its interface and its diagnostics.
 */
import type { PeerId, Transport } from '@gossamer/core'
import type { ConnectionPhase } from './connection-host.js'

/** One RTCPeerConnection of a {@link WebRTCTransport}, as seen by {@link WebRTCTransport.connections}. */
export interface WebRTCConnectionInfo {
  /** The remote peer. */
  peerId: PeerId
  /** Connection id (chosen by the dialer). */
  cid: string
  /** True when we dialed. */
  initiator: boolean
  /** `connecting`, `open`, or `closing` (draining its last frames). */
  phase: Exclude<ConnectionPhase, 'destroyed'>
}

/** Counters of a {@link WebRTCTransport}. */
export interface WebRTCTransportStats {
  /** RTCPeerConnections that exist now (connecting, open or closing). */
  peerConnections: number
  /** The most RTCPeerConnections that ever existed at once. */
  peakPeerConnections: number
  /** RTCPeerConnections created. */
  created: number
  /** Dials that resolved (data channel open). */
  dialsOpened: number
  /** Sum of the resolved dials' times to an open data channel, in ms (divide by `dialsOpened` for the mean). */
  dialMsTotal: number
  /** The longest time a resolved dial took, in ms. */
  dialMsMax: number
  /** Dials that rejected (refused, timed out, unreachable, glare, aborted). */
  dialsFailed: number
  /** Inbound offers refused because `admit()` said no. */
  refused: number
  /** Glares resolved. */
  glares: number
  /** Signals sent through a signaling server. */
  signalsViaServer: number
  /** Signals sent through the mesh relay (no server connected, or none knew the peer). */
  signalsViaRelay: number
}

/** Options of {@link WebRTCTransport.stop}. */
export interface WebRTCStopOptions {
  /**
   * Tell peers (default true): open connections send `close` and wait (at most
   * `closeTimeoutMs`) for their last frames to arrive. False destroys everything at once,
   * like a crash; tests use it.
   */
  goodbye?: boolean
}

/** A {@link Transport} over WebRTC data channels, made by `webrtc()`. */
export interface WebRTCTransport extends Transport {
  readonly name: 'webrtc'
  /** The RTCPeerConnections that exist now (diagnostics). */
  connections(): WebRTCConnectionInfo[]
  /** Counters since creation (diagnostics). */
  stats(): WebRTCTransportStats
  /** True while at least one signaling server is connected and has welcomed us (otherwise signals go through the mesh relay). */
  signalingReady(): boolean
  /**
   * Asks every signaling server again for the peers of a joined topic: re-sends `join` with
   * the room's proofs, and the servers answer with fresh samples, reported as `peer:discover`.
   * At most once per 2 s per topic (extra calls do nothing). Rooms call it when isolated.
   */
  rediscover(topic: string): void
  /** Stops the transport: see {@link WebRTCStopOptions}. Idempotent. */
  stop(options?: WebRTCStopOptions): Promise<void>
}

/** Counters that start at zero. Internal. */
export function emptyStats(): WebRTCTransportStats {
  return {
    peerConnections: 0,
    peakPeerConnections: 0,
    created: 0,
    dialsOpened: 0,
    dialMsTotal: 0,
    dialMsMax: 0,
    dialsFailed: 0,
    refused: 0,
    glares: 0,
    signalsViaServer: 0,
    signalsViaRelay: 0,
  }
}
