/**
 * The editor's transports: BroadcastChannel for tabs of this browser, WebRTC (introduced by
 * the signaling server) for everyone else.
 */
import { broadcastChannel, type Transport } from '@gossamer/core'
import { webrtc, type WebRTCTransport } from '@gossamer/webrtc'

/** The signaling client's state, as the panel shows it. */
export type SignalingState = 'connected' | 'connecting' | 'offline' | 'unknown'

/** The transports, and ways to ask how they are doing. */
export interface Connectivity {
  transports: Transport[]
  webrtc: WebRTCTransport
  signalingState(): SignalingState
}

/**
 * What a WebRTC transport may tell about its signaling servers. Not (yet) part of
 * `WebRTCTransport`: read only when present, so the panel says `unknown` otherwise.
 */
interface SignalingIntrospection {
  signalingReady?: unknown
  serverReady?: unknown
}

/** Creates the transports for the given signaling servers (local candidates only: no STUN/TURN). */
export function createTransports(signaling: string[]): Connectivity {
  const rtc = webrtc({ signaling, iceServers: [] })
  const probe = rtc as WebRTCTransport & SignalingIntrospection
  const signalingState = (): SignalingState => {
    const ready = typeof probe.signalingReady === 'function' ? (probe.signalingReady as () => unknown).call(rtc) : (probe.signalingReady ?? probe.serverReady)
    if (typeof ready !== 'boolean') return 'unknown'
    return ready ? 'connected' : 'connecting'
  }
  return { transports: [broadcastChannel(), rtc], webrtc: rtc, signalingState }
}
