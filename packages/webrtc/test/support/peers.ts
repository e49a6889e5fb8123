/**
 * Fixtures for WebRTC tests: a real signaling server, started transports over
 * `@roamhq/wrtc` and `ws`, and unique peer ids. Run inside a network namespace only.
 */
import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import { createSignalingServer, type SignalingServer } from '@gossamer/signaling-server'
import type { SignalPath, TransportStartOptions } from '@gossamer/core'
import { webrtc, type WebRTCInit, type WebRTCTransport } from '../../src/index.js'

export { wrtc, WebSocket }

/** A signaling server on a free loopback port, silent. */
export function signalingServer(): Promise<SignalingServer> {
  return createSignalingServer({ port: 0, logLevel: 'silent' })
}

let counter = 0
/** A peer id unique in this process (sortable prefix `p`). */
export function uniquePeerId(label = 'p'): string {
  counter++
  return `${label}${counter.toString(36)}-${globalThis.crypto.randomUUID().slice(0, 8)}`
}

/** Options for a test transport (fast timeouts, no ICE servers). */
export function testInit(signaling: string[], init: Partial<WebRTCInit> = {}): WebRTCInit & { wrtc: typeof wrtc; WebSocket: typeof WebSocket } {
  return { signaling, iceServers: [], connectTimeoutMs: 4000, wrtc, WebSocket, ...init }
}

/** A started transport plus what stops it. */
export interface StartedPeer {
  id: string
  transport: WebRTCTransport
  controller: AbortController
  errors: Error[]
}

/** Makes and starts a transport; records its `error` events. */
export async function startPeer(
  signaling: string[],
  options: { id?: string; init?: Partial<WebRTCInit>; admit?: TransportStartOptions['admit']; relay?: SignalPath } = {},
): Promise<StartedPeer> {
  const id = options.id ?? uniquePeerId()
  const transport = webrtc(testInit(signaling, options.init))
  const controller = new AbortController()
  const errors: Error[] = []
  transport.on('error', ({ error }) => errors.push(error))
  const start: TransportStartOptions = { peerId: id, signal: controller.signal }
  if (options.admit !== undefined) start.admit = options.admit
  if (options.relay !== undefined) start.relay = options.relay
  await transport.start(start)
  return { id, transport, controller, errors }
}

/** Stops peers and asserts nothing is left behind. */
export async function stopPeers(peers: StartedPeer[]): Promise<void> {
  await Promise.all(peers.map((p) => p.transport.stop()))
  for (const p of peers) p.controller.abort()
}
