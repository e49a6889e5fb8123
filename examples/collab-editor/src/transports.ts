/**
 * The editor's transports: BroadcastChannel for tabs of this browser, WebRTC (introduced by
 * the signaling server) for everyone else.
 */
import { broadcastChannel, type Transport } from '@gossamer/core'
import { webrtc, type WebRTCTransport } from '@gossamer/webrtc'

/** The signaling client's state, as the panel shows it. */
export type SignalingState = 'connected' | 'connecting' | 'offline'

/** The transports, and a way to ask how signaling is doing. */
export interface Connectivity {
  transports: Transport[]
  webrtc: WebRTCTransport
  /** `connecting` until a server first welcomed us, `offline` when we lost every server since. */
  signalingState(): SignalingState
}

/** Creates the transports for the given signaling servers (local candidates only: no STUN/TURN). */
export function createTransports(signaling: string[]): Connectivity {
  const rtc = webrtc({ signaling, iceServers: [] })
  let everReady = false
  const signalingState = (): SignalingState => {
    if (rtc.signalingReady()) {
      everReady = true
      return 'connected'
    }
    return everReady ? 'offline' : 'connecting'
  }
  return { transports: [broadcastChannel(), rtc], webrtc: rtc, signalingState }
}
