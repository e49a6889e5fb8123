/**
 * Frames of any size over real WebRTC, and a hostile peer sending malformed messages.
 * Runs only inside a network namespace.
 */
import { patternBytes } from '@gossamer/testing'
import Peer from 'simple-peer'
import type { SignalingServer } from '@gossamer/signaling-server'
import { waitFor, waitForEvent } from '@gossamer/testing'
import { fromBase64Url, toBase64Url, type Connection, type TransportEvents } from '@gossamer/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeChunks, encodeWhole } from '../src/frames.js'
import { SIGNAL_TOPIC_NAME } from '../src/server-signals.js'
import { topicOf } from '../src/topic.js'
import { rawClient } from './support/raw-client.js'
import { signalingServer, startPeer, stopPeers, uniquePeerId, wrtc } from './support/peers.js'

let server: SignalingServer
beforeAll(async () => {
  server = await signalingServer()
})
afterAll(async () => {
  await server.close()
})

/** A signal envelope as the server path carries it: base64url of its UTF-8 JSON, and back. */
const toWire = (envelope: unknown): string => toBase64Url(new TextEncoder().encode(JSON.stringify(envelope)))
const fromWire = (data: unknown): unknown => JSON.parse(new TextDecoder().decode(fromBase64Url(String(data)) ?? new Uint8Array()))

const same = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined && a.byteLength === b.byteLength && a.every((v, i) => v === b[i])

async function pair(signal: AbortSignal) {
  const a = await startPeer([server.url])
  const b = await startPeer([server.url])
  const opened = waitForEvent<TransportEvents, 'connection:open'>(b.transport, 'connection:open', { signal })
  const ab = await a.transport.dial(b.id, { signal })
  const { connection: ba } = await opened
  return { a, b, ab, ba }
}

function collect(connection: Connection): Uint8Array[] {
  const got: Uint8Array[] = []
  connection.on('message', ({ data }) => got.push(data))
  return got
}

describe('webrtc: chunking', () => {
  it('delivers a 1 MiB and a 5 MiB frame whole, in order with small ones, both ways', async () => {
    const signal = AbortSignal.timeout(30_000)
    const { a, b, ab, ba } = await pair(signal)
    try {
      const atA = collect(ab)
      const atB = collect(ba)
      const oneMiB = patternBytes(1 << 20, 1)
      const fiveMiB = patternBytes(5 << 20, 2)
      const small = Uint8Array.of(7)
      for (const data of [oneMiB, small, fiveMiB, small]) {
        ab.send(data)
        ba.send(data)
      }
      const started = performance.now()
      await waitFor(() => atA.length === 4 && atB.length === 4, { signal, description: 'four frames each way' })
      const seconds = (performance.now() - started) / 1000
      for (const got of [atA, atB]) {
        expect(same(got[0], oneMiB)).toBe(true)
        expect(same(got[1], small)).toBe(true)
        expect(same(got[2], fiveMiB)).toBe(true)
        expect(same(got[3], small)).toBe(true)
      }
      console.info(`chunking: 2 × 6 MiB crossed in ${seconds.toFixed(2)} s`)
      expect(a.errors).toEqual([])
      expect(b.errors).toEqual([])
    } finally {
      await stopPeers([a, b])
    }
  })

  it('a frame over maxMessageBytes is dropped with an error event; the connection keeps working', async () => {
    const signal = AbortSignal.timeout(15_000)
    const a = await startPeer([server.url])
    const b = await startPeer([server.url], { init: { maxMessageBytes: 100_000 } })
    try {
      const opened = waitForEvent<TransportEvents, 'connection:open'>(b.transport, 'connection:open', { signal })
      const ab = await a.transport.dial(b.id, { signal })
      const { connection: ba } = await opened
      const atB = collect(ba)
      ab.send(patternBytes(100_001, 3))
      ab.send(patternBytes(100_000, 4))
      await waitFor(() => atB.length === 1, { signal, description: 'the frame within the limit' })
      expect(same(atB[0], patternBytes(100_000, 4))).toBe(true)
      expect(b.errors.map((e) => e.name)).toEqual(['ProtocolError'])
      expect(b.errors[0]?.message).toMatch(/larger than 100000 bytes/)
    } finally {
      await stopPeers([a, b])
    }
  })

  it('malformed chunks and whole frames from a hostile peer become error events and are dropped, never thrown', async () => {
    const signal = AbortSignal.timeout(15_000)
    const real = await startPeer([server.url])
    const hostileId = uniquePeerId('h')
    const client = await rawClient(server.url, hostileId, [await topicOf(SIGNAL_TOPIC_NAME)], signal)
    const hostile = new Peer({ wrtc, config: { iceServers: [] } })
    try {
      let cid = ''
      hostile.on('signal', (s) => client.send({ type: 'signal', topic: client.topic, to: real.id, data: toWire({ v: 1, k: 'sig', cid, s }) }))
      const dialing = real.transport.dial(hostileId, { signal })
      const apply = (m: Record<string, unknown>): string | undefined => {
        const data = fromWire(m['data']) as { cid: string; k: string; s?: Peer.SignalData; c?: Peer.SignalData[] }
        cid = data.cid
        for (const s of data.k === 'cands' ? (data.c ?? []) : data.s === undefined ? [] : [data.s]) hostile.signal(s)
        return (data.s as { type?: string } | undefined)?.type
      }
      while (apply(await client.next((x) => x['type'] === 'signal', signal)) !== 'offer');
      void (async () => {
        try {
          for (;;) apply(await client.next((x) => x['type'] === 'signal', signal))
        } catch {
          // the deadline ends the loop
        }
      })()
      // Our `ready` arrives (maybe more than once); acknowledge it, and the dial resolves.
      hostile.once('data', () => hostile.send(Uint8Array.of(3)))
      const connection = await dialing
      const got: Uint8Array[] = collect(connection)
      const chunk = (id: number, index: number, count: number, bytes: number): Uint8Array => {
        const c = new Uint8Array(13 + bytes)
        const v = new DataView(c.buffer)
        v.setUint8(0, 0)
        v.setUint32(1, id)
        v.setUint32(5, index)
        v.setUint32(9, count)
        return c
      }
      hostile.send(Uint8Array.of(0xff)) // unknown kind
      hostile.send(Uint8Array.of(0, 1, 2)) // short header
      hostile.send(chunk(1, 3, 2, 10)) // index out of range
      hostile.send(chunk(2, 1, 4, 100)) // no first chunk
      hostile.send(chunk(3, 0, 3, 100))
      hostile.send(chunk(3, 2, 3, 100)) // skipped a chunk
      hostile.send(chunk(4, 0, 0xffffffff, 100)) // absurd count
      hostile.send(Uint8Array.of(1)) // a second ready
      hostile.send('text, not binary')
      hostile.send(chunk(5, 0, 2, 100))
      hostile.send(encodeWhole(Uint8Array.of(9))) // a whole frame between the chunks of message 5
      hostile.send(chunk(5, 1, 2, 10)) // message 5 still completes
      hostile.send(Uint8Array.of(4)) // an empty whole frame
      hostile.send(encodeWhole(Uint8Array.of(4, 5, 6)))
      for (const c of encodeChunks(9, Uint8Array.of(1, 2, 3), 16 * 1024)) hostile.send(c)
      await waitFor(() => got.length === 3, { signal, description: 'the three valid frames' })
      expect(got.map((g) => g.byteLength)).toEqual([110, 3, 3])
      expect([...(got[1] ?? [])]).toEqual([4, 5, 6])
      expect([...(got[2] ?? [])]).toEqual([1, 2, 3])
      await waitFor(() => real.errors.length >= 10, { signal, description: 'an error per malformed message' })
      expect(real.errors.every((e) => e.name === 'ProtocolError')).toBe(true)
      expect(real.errors.some((e) => /between the chunks of message 5/.test(e.message))).toBe(true)
      expect(real.errors.some((e) => /whole message without a payload/.test(e.message))).toBe(true)
      expect(connection.closed).toBe(false)
    } finally {
      hostile.destroy()
      client.close()
      await stopPeers([real])
    }
  })
})
