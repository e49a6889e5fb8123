/**
 * A room over real WebRTC goes offline with `disconnect()` (its signaling socket closes, its
 * peer connections close, its neighbour sees it leave) and comes back with `connect()` with
 * the same peer id, syncing what was written meanwhile on both sides. Runs only inside a
 * network namespace.
 */
import { createRoom, type Room } from '@gossamer/core'
import { waitFor } from '@gossamer/testing'
import * as Y from 'yjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SignalingServer } from '@gossamer/signaling-server'
import { webrtc, type WebRTCTransport } from '../src/index.js'
import { signalingServer, testInit } from './support/peers.js'

let server: SignalingServer
beforeAll(async () => {
  server = await signalingServer()
})
afterAll(async () => {
  await server.close()
})

describe('webrtc: a room that disconnects and connects', () => {
  it('closes its signaling socket and connections offline, and resyncs with the same identity', async () => {
    const signal = AbortSignal.timeout(15_000)
    const name = `connect-${globalThis.crypto.randomUUID()}`
    const transports: WebRTCTransport[] = [webrtc(testInit([server.url])), webrtc(testInit([server.url]))]
    const [a, b] = transports.map((transport) => createRoom({ name, doc: new Y.Doc(), transports: [transport], roundMs: 200 })) as [Room, Room]
    const [ta] = transports as [WebRTCTransport, WebRTCTransport]
    try {
      a.doc.getText('t').insert(0, 'a1 ')
      await Promise.all([a.whenSynced({ signal }), b.whenSynced({ signal })])
      await waitFor(() => b.doc.getText('t').toString() === 'a1 ', { signal, description: 'the first edit at b' })
      expect(server.stats().connections).toBe(2)
      const { peerId } = a

      await a.disconnect()
      expect(ta.connections()).toEqual([])
      expect(ta.signalingReady()).toBe(false)
      await waitFor(() => server.stats().connections === 1, { signal, description: "a's signaling socket to close" })
      await waitFor(() => b.neighbours().length === 0, { signal, description: 'b to see a leave' })
      a.doc.getText('t').insert(3, 'a2 ')
      b.doc.getText('t').insert(0, 'b1 ')

      await a.connect()
      await a.whenSynced({ signal })
      await waitFor(() => a.doc.getText('t').toString() === 'b1 a1 a2 ' && b.doc.getText('t').toString() === 'b1 a1 a2 ', {
        signal,
        description: 'both offline edits on both sides',
      })
      expect(a.peerId).toBe(peerId)
      expect(server.stats().connections).toBe(2)
      // A new RTCPeerConnection carried the second session.
      expect(ta.stats().created).toBeGreaterThanOrEqual(2)
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
})
