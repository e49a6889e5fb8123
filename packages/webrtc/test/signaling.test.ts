/**
 * The signaling client against a real server (hashed topics, discovery, reconnection with
 * backoff), a hostile server, and signaling through a mesh relay alone. Runs only inside a
 * network namespace.
 */
import { createSignalingServer, type SignalingServer } from '@gossamer/signaling-server'
import { Emitter, type SignalPath, type SignalPathEvents, type TransportEvents } from '@gossamer/core'
import { waitFor, waitForEvent } from '@gossamer/testing'
import { WebSocketServer } from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exponentialBackoff } from '../src/index.js'
import { SIGNAL_TOPIC_NAME } from '../src/server-signals.js'
import { roomTopic, topicOf } from '../src/topic.js'
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
  const relays = new Map<string, Emitter<SignalPathEvents>>()
  let carried = 0
  return {
    get carried() {
      return carried
    },
    relay(self: string): SignalPath {
      const emitter = new Emitter<SignalPathEvents>()
      relays.set(self, emitter)
      return {
        maxSignalBytes: 64 * 1024,
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
  it('joins the room topic with its proof, and reports peers under the original name', async () => {
    const signal = AbortSignal.timeout(8000)
    const room = `room-${globalThis.crypto.randomUUID()}`
    const derived = await roomTopic(room)
    expect(derived.topic).not.toContain(room)
    const first = await startPeer([server.url])
    first.transport.join(room)
    // A raw client with the room's proof finds the transport there: the server saw only the topic and proof.
    const raw = await rawClient(server.url, uniquePeerId('raw'), [derived], signal)
    // `join` is sent once the topic is derived: ask again (a fresh sample each time) until it is there.
    const sample = (): unknown => [...raw.received].reverse().find((m) => m['type'] === 'peers' && m['topic'] === derived.topic)?.['peers']
    await waitFor(
      () => {
        if (JSON.stringify(sample()) === JSON.stringify([first.id])) return true
        raw.send({ type: 'join', ...derived })
        return false
      },
      { signal, intervalMs: 50, description: 'the transport in the room topic' },
    )
    raw.close()
    expect(sample()).toEqual([first.id])
    const second = await startPeer([server.url])
    const found = waitForEvent<TransportEvents, 'peer:discover'>(second.transport, 'peer:discover', { signal })
    second.transport.join(room)
    expect(await found).toEqual({ peerId: first.id, topic: room })
    await stopPeers([first, second])
  })

  it('asks the server again for peers on rediscover, at most once per REDISCOVER_MIN_MS', async () => {
    const signal = AbortSignal.timeout(8000)
    const [room, other] = [`room-${globalThis.crypto.randomUUID()}`, `room-${globalThis.crypto.randomUUID()}`]
    const [first, second, third] = await Promise.all([startPeer([server.url]), startPeer([server.url]), startPeer([server.url])])
    try {
      first.transport.join(room)
      // The second peer finds the first when it joins; the server tells the first nothing.
      const found = waitForEvent<TransportEvents, 'peer:discover'>(second.transport, 'peer:discover', { signal })
      second.transport.join(room)
      expect(await found).toEqual({ peerId: first.id, topic: room })
      const seen: TransportEvents['peer:discover'][] = []
      first.transport.on('peer:discover', (event) => seen.push(event))
      // The third peer is in another room (the second peer finds it there) for the barrier below.
      third.transport.join(other)
      const inOther = waitForEvent<TransportEvents, 'peer:discover'>(second.transport, 'peer:discover', { signal })
      second.transport.join(other)
      expect(await inOther).toEqual({ peerId: third.id, topic: other })
      // Three requests at once send one join; a later join on the same connection answers after it.
      for (let i = 0; i < 3; i++) first.transport.rediscover(room)
      first.transport.join(other)
      await waitFor(() => seen.some((e) => e.topic === other), { signal, description: 'the answer to the later join' })
      expect(seen.filter((e) => e.topic === room)).toEqual([{ peerId: second.id, topic: room }])
    } finally {
      await stopPeers([first, second, third])
    }
  })

  it('lists no peer ids to a listener on the shared signaling topic, or on a room topic without its proof', async () => {
    const signal = AbortSignal.timeout(10_000)
    const rooms = Array.from({ length: 4 }, () => `room-${globalThis.crypto.randomUUID()}`)
    const peers = await Promise.all(Array.from({ length: 8 }, () => startPeer([server.url])))
    try {
      for (const [i, p] of peers.entries()) p.transport.join(rooms[i % rooms.length]!)
      // Every transport is on the server and in its room: a peer that proves its room sees the others.
      const witness = await startPeer([server.url])
      const found = new Set<string>()
      witness.transport.on('peer:discover', ({ peerId }) => found.add(peerId))
      witness.transport.join(rooms[0]!)
      await waitFor(() => found.size === 2, { signal, description: 'the two members of room 0' })
      const shared = await roomTopic(SIGNAL_TOPIC_NAME) // the name is public: anyone can compute this proof
      const roomTopics = await Promise.all(rooms.map((r) => topicOf(r)))
      const listener = await rawClient(server.url, uniquePeerId('listener'), [await topicOf(SIGNAL_TOPIC_NAME), ...roomTopics], signal)
      for (let i = 0; i < 5; i++) {
        listener.send({ type: 'join', ...shared, ref: `s${i}` })
        for (const topic of roomTopics) listener.send({ type: 'join', topic })
      }
      listener.send({ type: 'ping', ref: 'done' })
      await listener.next((m) => m['type'] === 'pong' && m['ref'] === 'done', signal)
      const listed = listener.received.filter((m) => m['type'] === 'peers').flatMap((m) => m['peers'] as string[])
      expect(listed).toEqual([])
      expect(listener.received.filter((m) => m['type'] === 'joined').length).toBeGreaterThanOrEqual(5 * rooms.length)
      listener.close()
      await stopPeers([witness])
    } finally {
      await stopPeers(peers)
    }
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
      expect(await topicOf(SIGNAL_TOPIC_NAME)).toMatch(/^[A-Za-z0-9_-]{43}$/)
    } finally {
      await stopPeers([a, b])
      await own.close()
    }
  })
})
