/**
 * The transport conformance suite against the WebRTC transport over real @roamhq/wrtc
 * with a real signaling server. Runs only inside a network namespace (see vitest.config.ts).
 */
import { runTransportConformance, type TransportHarness } from '@gossamer/testing'
import { expect } from 'vitest'
import { signalingServer, startPeer, stopPeers } from './support/peers.js'

async function harness(peerCount: number): Promise<TransportHarness> {
  const server = await signalingServer()
  const peers = await Promise.all(Array.from({ length: peerCount }, () => startPeer([server.url])))
  return {
    transports: peers.map((p) => p.transport),
    peerIds: peers.map((p) => p.id),
    async cleanup() {
      await stopPeers(peers)
      for (const p of peers) {
        expect(p.transport.connections()).toEqual([])
        expect(p.errors.filter((e) => e.name === 'ProtocolError')).toEqual([])
      }
      await server.close()
    },
  }
}

runTransportConformance('webrtc (@roamhq/wrtc, real signaling server)', harness, { timeoutMs: 10_000 })
