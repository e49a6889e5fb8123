/**
 * The signaling client against a real server (hashed topics, discovery, reconnection with
 * backoff), a hostile server, and signaling through a mesh relay alone. Runs only inside a
 * network namespace.
 */
import { createSignalingServer, type SignalingServer } from '@gossamer/signaling-server'
import { Emitter, type SignalRelay, type SignalRelayEvents, type TransportEvents } from '@gossamer/core'
import { waitFor, waitForEvent } from '@gossamer/testing'
import { WebSocketServer } from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exponentialBackoff } from '../src/index.js'
import { SIGNAL_TOPIC_NAME } from '../src/signaling.js'
import { topicOf } from '../src/topic.js'
import { rawClient } from './support/raw-client.js'
import { signalingServer, startPeer, stopPeers, uniquePeerId } from './support/peers.js'

let server: SignalingServer
beforeAll(async () => {
  server = await signalingServer()
})
afterAll(async () => {
  await server.close()
})

const fastBackoff = exponentialBackoff({ initialMs: 20, maxMs: 200 })

/** Relays that pass bytes between transports in memory, like a room's mesh relay. */
function relayNetwork() {
  const relays = new Map<string, Emitter<SignalRelayEvents>>()
  let carried = 0
  return {
    get carried() {
      return carried
    },
    relay(self: string): SignalRelay {
      const emitter = new Emitter<SignalRelayEvents>()
      relays.set(self, emitter)
      return {
        on: (event, listener) => emitter.on(event, listener),
        once: (event, listener) => emitter.once(event, listener),
        off: (event, listener) => emitter.off(event, listener),
        send(to, data) {
          const target = relays.get(to)
          if (target === undefined) return false
          carried++
          const copy = data.slice()
          queueMicrotask(() => target.emit('signal', { from: self, data: copy }))
          return true
        },
      }
    },
  }
}

describe('webrtc: signaling client', () => {
  it('joins the SHA-256 of the room name, and reports peers under the original name', async () => {
    const signal = AbortSignal.timeout(8000)
    const room = `room-${globalThis.crypto.randomUUID()}`
    const hashed = await topicOf(room)
    expect(hashed).not.toContain(room)
    const first = await startPeer([server.url])
    first.transport.join(room)
    // A raw client on the hashed topic finds the transport there: the server saw only the hash.
    const raw = await rawClient(server.url, uniquePeerId('raw'), [hashed], signal)
    // `join` is sent once the name is hashed: ask again (a fresh sample each time) until it is there.
    const sample = (): unknown => [...raw.received].reverse().find((m) => m['type'] === 'peers' && m['topic'] === hashed)?.['peers']
    await waitFor(
      () => {
        if (JSON.stringify(sample()) === JSON.stringify([first.id])) return true
        raw.send({ type: 'join', topic: hashed })
        return false
      },
      { signal, intervalMs: 50, description: 'the transport in the hashed topic' },
    )
    raw.close()
    expect(sample()).toEqual([first.id])
    const second = await startPeer([server.url])
    const found = waitForEvent<TransportEvents, 'peer:discover'>(second.transport, 'peer:discover', { signal })
    second.transport.join(room)
    expect(await found).toEqual({ peerId: first.id, topic: room })
    await stopPeers([first, second])
  })

  it('reconnects with backoff after the server restarts, and joins its rooms again', async () => {
    const signal = AbortSignal.timeout(10_000)
    const own = await createSignalingServer({ port: 0, logLevel: 'silent' })
    const port = own.port
    const room = `room-${globalThis.crypto.randomUUID()}`
    const a = await startPeer([own.url], { init: { backoff: fastBackoff } })
    a.transport.join(room)
    await own.close()
    await waitFor(() => a.errors.some((e) => /closed the connection/.test(e.message)), { signal, description: 'the outage to be reported' })
    const again = await createSignalingServer({ port, logLevel: 'silent' })
    try {
      const b = await startPeer([again.url])
      // b may join before a is back: retry the join (a fresh sample) until a shows up.
      const found = waitForEvent<TransportEvents, 'peer:discover'>(b.transport, 'peer:discover', { signal, filter: (e) => e.peerId === a.id })
      b.transport.join(room)
      // Ready means welcomed and every topic joined again (a ping barrier after the joins).
      await waitFor(() => a.transport.signalingReady(), { signal, description: 'a to reconnect and rejoin' })
      b.transport.leave(room)
      b.transport.join(room)
      await found
      const connection = await b.transport.dial(a.id, { signal })
      expect(connection.remotePeerId).toBe(a.id)
      expect(a.errors.filter((e) => /closed the connection/.test(e.message))).toHaveLength(1) // one outage, one error
      await stopPeers([a, b])
      await waitFor(() => again.stats().connections === 0, { signal, description: 'both sockets to close' })
    } finally {
      await again.close()
    }
  })

  it('reports malformed server messages as error events and keeps running', async () => {
    const signal = AbortSignal.timeout(8000)
    const hostile = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await new Promise<void>((resolve) => hostile.once('listening', () => resolve()))
    const port = (hostile.address() as { port: number }).port
    hostile.on('connection', (socket) => {
      socket.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as { type: string; peerId?: string; ref?: unknown }
        if (m.type === 'ping') socket.send(JSON.stringify({ type: 'pong', ref: m.ref }))
        if (m.type !== 'hello') return
        for (const bad of ['not json', '[]', '{"type":"peers","topic":"x","peers":"nope"}', '{"type":"mystery"}', '{"type":"signal","topic":"t","from":"a b","data":1}']) socket.send(bad)
        socket.send(Buffer.from([1, 2, 3]))
        socket.send(JSON.stringify({ type: 'welcome', serverVersion: 'x', protocolVersion: 1, peerId: m.peerId, limits: {} }))
      })
    })
    try {
      const peer = await startPeer([`ws://127.0.0.1:${port}`])
      await waitFor(() => peer.errors.length >= 6, { signal, description: 'six protocol errors' })
      expect(peer.errors.slice(0, 6).every((e) => e.name === 'ProtocolError')).toBe(true)
      await stopPeers([peer])
    } finally {
      for (const client of hostile.clients) client.terminate()
      await new Promise<void>((resolve) => hostile.close(() => resolve()))
    }
  })

  it('signals through the mesh relay alone when no server is configured', async () => {
    const signal = AbortSignal.timeout(8000)
    const net = relayNetwork()
    const ids = [uniquePeerId('r'), uniquePeerId('r')] as const
    const a = await startPeer([], { id: ids[0], relay: net.relay(ids[0]) })
    const b = await startPeer([], { id: ids[1], relay: net.relay(ids[1]) })
    try {
      const opened = waitForEvent<TransportEvents, 'connection:open'>(b.transport, 'connection:open', { signal })
      const ab = await a.transport.dial(b.id, { signal })
      const { connection: ba } = await opened
      const got: number[] = []
      ba.on('message', ({ data }) => got.push(data.byteLength))
      ab.send(new Uint8Array(40_000))
      await waitFor(() => got.length === 1, { signal, description: 'a frame' })
      expect(got).toEqual([40_000])
      expect(net.carried).toBeGreaterThanOrEqual(2)
      // No route: the relay cannot carry it, so the dial fails at once.
      await expect(a.transport.dial(uniquePeerId('nobody'), { signal })).rejects.toMatchObject({ name: 'TransportError' })
    } finally {
      await stopPeers([a, b])
    }
  })

  it('falls back to the relay when the server does not know the target', async () => {
    const signal = AbortSignal.timeout(8000)
    const own = await createSignalingServer({ port: 0, logLevel: 'silent' })
    const net = relayNetwork()
    const ids = [uniquePeerId('f'), uniquePeerId('f')] as const
    const a = await startPeer([own.url], { id: ids[0], relay: net.relay(ids[0]) })
    const b = await startPeer([], { id: ids[1], relay: net.relay(ids[1]) }) // not on the server
    try {
      const connection = await a.transport.dial(b.id, { signal })
      expect(connection.remotePeerId).toBe(b.id)
      expect(net.carried).toBeGreaterThanOrEqual(2)
      expect(await topicOf(SIGNAL_TOPIC_NAME)).toMatch(/^[0-9a-f]{64}$/)
    } finally {
      await stopPeers([a, b])
      await own.close()
    }
  })
})
