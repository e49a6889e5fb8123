/**
 * The transport conformance suite against the WebRTC transport over real @roamhq/wrtc
 * with a real signaling server. Runs only inside a network namespace (see vitest.config.ts).
 */
import type { TransportEvents } from '@gossamer/core'
import { waitForEvent } from '@gossamer/testing'
import { runTransportConformance, type TransportHarness } from '@gossamer/testing/conformance'
import { describe, expect, it } from 'vitest'
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

runTransportConformance('webrtc (@roamhq/wrtc, real signaling server)', harness, { timeoutMs: 10_000, rediscover: true })

describe('webrtc: connect time', () => {
  it('20 sequential dials between two peers: each opens one connection at a time (figures printed)', async () => {
    const server = await signalingServer()
    const [a, b] = await Promise.all([startPeer([server.url]), startPeer([server.url])])
    try {
      const times: number[] = []
      for (let i = 0; i < 20; i++) {
        const signal = AbortSignal.timeout(5000)
        const opened = waitForEvent<TransportEvents, 'connection:open'>(b.transport, 'connection:open', { signal })
        const started = performance.now()
        const connection = await a.transport.dial(b.id, { signal })
        times.push(performance.now() - started)
        await opened
        connection.close()
      }
      times.sort((x, y) => x - y)
      const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))]!
      console.info(`connect time over 20 dials: median ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, max ${at(1).toFixed(1)} ms, min ${at(0).toFixed(1)} ms`)
      expect(a.transport.stats().peakPeerConnections).toBeLessThanOrEqual(1)
    } finally {
      await stopPeers([a, b])
      await server.close()
    }
  })
})
