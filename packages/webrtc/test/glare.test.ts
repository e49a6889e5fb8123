/** Glare, admission and refusals over real WebRTC. Runs only inside a network namespace. */
import type { SignalingServer } from '@gossamer/signaling-server'
import { waitFor, waitForEvent } from '@gossamer/testing'
import { TransportError, type TransportEvents } from '@gossamer/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signalingServer, startPeer, stopPeers, uniquePeerId, type StartedPeer } from './support/peers.js'

let server: SignalingServer
beforeAll(async () => {
  server = await signalingServer()
})
afterAll(async () => {
  await server.close()
})

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('webrtc: glare', () => {
  it('two peers dialing each other at once end with one connection: the smaller id keeps its offer', async () => {
    for (let round = 0; round < 5; round++) {
      const signal = AbortSignal.timeout(8000)
      const base = uniquePeerId('g')
      const small = await startPeer([server.url], { id: `${base}-a` })
      const large = await startPeer([server.url], { id: `${base}-b` })
      const peers: StartedPeer[] = [small, large]
      try {
        const inbound = waitForEvent<TransportEvents, 'connection:open'>(large.transport, 'connection:open', { signal })
        const [fromSmall, fromLarge] = await Promise.allSettled([
          small.transport.dial(large.id, { signal }),
          large.transport.dial(small.id, { signal }),
        ])
        expect(fromSmall.status).toBe('fulfilled')
        expect(fromLarge.status).toBe('rejected')
        if (fromLarge.status === 'rejected') {
          expect(fromLarge.reason).toMatchObject({ name: 'TransportError' })
          expect(String(fromLarge.reason.message)).toMatch(/glare/)
        }
        const { connection: atLarge } = await inbound
        expect(atLarge.remotePeerId).toBe(small.id)
        if (fromSmall.status !== 'fulfilled') throw new Error('unreachable')
        const atSmall = fromSmall.value
        const got: string[] = []
        atLarge.on('message', ({ data }) => got.push(new TextDecoder().decode(data)))
        atSmall.send(text('after glare'))
        await waitFor(() => got.length === 1, { signal, description: 'a message over the surviving connection' })
        expect(got).toEqual(['after glare'])
        await waitFor(() => small.transport.connections().length === 1 && large.transport.connections().length === 1, { signal, description: 'one RTCPeerConnection per side' })
        expect(small.transport.stats().glares + large.transport.stats().glares).toBeGreaterThanOrEqual(1)
        expect(Math.max(small.transport.stats().peakPeerConnections, large.transport.stats().peakPeerConnections)).toBeLessThanOrEqual(1)
      } finally {
        await stopPeers(peers)
      }
    }
  })
})

describe('webrtc: admission', () => {
  it('admit() is asked before answering; a refusal rejects the dial fast and creates no RTCPeerConnection', async () => {
    const signal = AbortSignal.timeout(8000)
    const asked: Array<{ peerId: string; urgent: boolean | undefined }> = []
    const dialer = await startPeer([server.url])
    const refuser = await startPeer([server.url], {
      admit: (peerId, request) => {
        asked.push({ peerId, urgent: request?.urgent })
        return false
      },
    })
    try {
      // A typed refusal (not a timeout): the room keeps the peer as a candidate.
      const refused = dialer.transport.dial(refuser.id, { signal, urgent: true })
      await expect(refused).rejects.toBeInstanceOf(TransportError)
      await expect(refused).rejects.toMatchObject({ name: 'PeerFullError' })
      expect(asked).toEqual([{ peerId: dialer.id, urgent: true }])
      expect(refuser.transport.stats()).toMatchObject({ created: 0, refused: 1 })
      await waitFor(() => dialer.transport.connections().length === 0, { signal, description: 'the refused dial to be destroyed' })
    } finally {
      await stopPeers([dialer, refuser])
    }
  })

  it('admit() saying yes lets the connection open; the acceptor sees connection:open once', async () => {
    const signal = AbortSignal.timeout(8000)
    let admitted = 0
    const dialer = await startPeer([server.url])
    const acceptor = await startPeer([server.url], { admit: () => (admitted++, true) })
    try {
      const opened: string[] = []
      acceptor.transport.on('connection:open', ({ connection }) => opened.push(connection.remotePeerId))
      const connection = await dialer.transport.dial(acceptor.id, { signal })
      await waitFor(() => opened.length === 1, { signal, description: 'connection:open' })
      expect(admitted).toBe(1)
      expect(opened).toEqual([dialer.id])
      connection.close()
    } finally {
      await stopPeers([dialer, acceptor])
    }
  })

  it('a dial to a stopped peer fails fast with a TransportError', async () => {
    const signal = AbortSignal.timeout(8000)
    const dialer = await startPeer([server.url])
    const gone = await startPeer([server.url])
    try {
      await gone.transport.stop()
      const started = performance.now()
      // A TransportError, not the AbortError of the 8 s signal: the server said the peer is gone.
      await expect(dialer.transport.dial(gone.id, { signal })).rejects.toMatchObject({ name: 'TransportError' })
      console.info(`a dial to a stopped peer failed after ${(performance.now() - started).toFixed(0)} ms`)
    } finally {
      await stopPeers([dialer, gone])
    }
  })
})
