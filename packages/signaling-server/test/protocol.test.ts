import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, SERVER_VERSION, type PeersMessage } from '../src/index.js'
import { TestClient, joinRoom, startServer, testRoom } from './helpers.js'

// Protocol 2: a join lists the joiner and answers with peers only when it proves the room,
// so these tests join with proofs (testRoom/joinRoom) where protocol 1 sent a bare topic.
const ROOM = testRoom('room')
const T = testRoom('t')
const A = testRoom('A')
const B = testRoom('B')

describe('hello', () => {
  it('answers hello with welcome carrying version and limits, echoing ref', async () => {
    const { server } = await startServer({ pingIntervalMs: 5_000, limits: { peerSampleSize: 5 } })
    const c = await TestClient.connect(server.url)
    c.send({ type: 'hello', peerId: 'alice', ref: 'h1' })
    expect(await c.next((m) => m.type === 'welcome')).toEqual({
      type: 'welcome',
      serverVersion: SERVER_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      peerId: 'alice',
      limits: { maxMessageBytes: 65536, messagesPerSecond: 50, messageBurst: 100, maxTopicsPerConnection: 16, peerSampleSize: 5, pingIntervalMs: 5_000 },
      ref: 'h1',
    })
    expect(server.stats()).toMatchObject({ connections: 1, peers: 1 })
  })

  it('requires hello before join, leave and signal, but answers ping at any time', async () => {
    const { server } = await startServer()
    const c = await TestClient.connect(server.url)
    c.send({ type: 'ping', ref: 1 })
    expect(await c.next()).toEqual({ type: 'pong', ref: 1 })
    for (const m of [{ type: 'join', topic: 't' }, { type: 'leave', topic: 't' }, { type: 'signal', topic: 't', to: 'b', data: 1 }]) {
      c.send({ ...m, ref: m.type })
      expect(await c.nextError()).toMatchObject({ code: 'hello-required', ref: m.type })
    }
  })

  it('rejects a duplicate live peer id, and frees it when the holder leaves', async () => {
    const { server } = await startServer()
    const a = await TestClient.peer(server.url, 'same')
    const b = await TestClient.connect(server.url)
    b.send({ type: 'hello', peerId: 'same' })
    expect(await b.nextError()).toMatchObject({ code: 'duplicate-peer' })
    a.ws.close()
    await a.closed
    // The server may see the close a moment after the client does: retry, one round trip each.
    let welcomed = false
    for (let i = 0; i < 50 && !welcomed; i++) {
      b.send({ type: 'hello', peerId: 'same', ref: i })
      const m = await b.next((x) => (x.type === 'welcome' || x.type === 'error') && x.ref === i)
      welcomed = m.type === 'welcome'
    }
    expect(welcomed).toBe(true)
    b.send({ type: 'hello', peerId: 'other' })
    expect(await b.nextError()).toMatchObject({ code: 'bad-message' })
  })
})

describe('join', () => {
  it('answers with a bounded random sample of the other peers, never self', async () => {
    const { server } = await startServer()
    const ids = Array.from({ length: 30 }, (_, i) => `p${i}`)
    const clients = await Promise.all(ids.map((id) => TestClient.peer(server.url, id)))
    for (const c of clients) {
      c.send(joinRoom(ROOM))
      await c.next((m) => m.type === 'peers')
    }
    const newcomer = await TestClient.peer(server.url, 'new')
    const seen = new Set<string>()
    for (let i = 0; i < 10; i++) {
      newcomer.send(joinRoom(ROOM, i)) // re-join is idempotent and re-samples
      const m = (await newcomer.next((x) => x.type === 'peers' && x.ref === i)) as PeersMessage
      expect(m.topic).toBe(ROOM.topic)
      expect(m.peers).toHaveLength(8)
      expect(new Set(m.peers).size).toBe(8)
      expect(m.peers).not.toContain('new')
      for (const p of m.peers) {
        expect(ids).toContain(p)
        seen.add(p)
      }
    }
    expect(seen.size).toBeGreaterThan(8) // random: successive samples differ
    expect(server.stats().topics).toBe(1)
  })

  it('uses the injected random source and the configured sample size', async () => {
    const { server } = await startServer({ random: () => 0, limits: { peerSampleSize: 2 } })
    const a = await TestClient.peer(server.url, 'a')
    a.send(joinRoom(T))
    expect(await a.next()).toEqual({ type: 'peers', topic: T.topic, peers: [] })
    const others = await Promise.all(['b', 'c', 'd'].map((id) => TestClient.peer(server.url, id)))
    for (const o of others) {
      o.send(joinRoom(T))
      await o.next((m) => m.type === 'peers')
    }
    const e = await TestClient.peer(server.url, 'e')
    e.send(joinRoom(T))
    expect(await e.next()).toEqual({ type: 'peers', topic: T.topic, peers: ['a', 'b'] })
  })

  it('leave removes the peer from samples; leaving twice is not-joined', async () => {
    const { server } = await startServer()
    const a = await TestClient.peer(server.url, 'a')
    const b = await TestClient.peer(server.url, 'b')
    a.send(joinRoom(T))
    await a.next((m) => m.type === 'peers')
    a.send({ type: 'leave', topic: T.topic })
    a.send({ type: 'leave', topic: T.topic, ref: 'again' })
    expect(await a.nextError('not-joined')).toMatchObject({ ref: 'again' })
    b.send(joinRoom(T))
    expect(await b.next()).toEqual({ type: 'peers', topic: T.topic, peers: [] })
  })
})

describe('signal', () => {
  it('reaches exactly the addressed peer and no one else', async () => {
    const { server } = await startServer()
    const ids = ['a', 'b', 'c', 'd', 'e']
    const [a, b, ...rest] = await Promise.all(ids.map((id) => TestClient.peer(server.url, id)))
    for (const c of [a!, b!, ...rest]) {
      c.send(joinRoom(T))
      await c.next((m) => m.type === 'peers')
    }
    const data = { sdp: { type: 'offer', sdp: 'v=0...' }, n: [1, 2, 3] }
    a!.send({ type: 'signal', topic: T.topic, to: 'b', data })
    expect(await b!.next((m) => m.type === 'signal')).toEqual({ type: 'signal', topic: T.topic, from: 'a', data })
    // The server relayed before it could answer any later ping: after these round trips,
    // a stray copy would already be queued.
    await Promise.all([a!, b!, ...rest].map((c) => c.barrier()))
    for (const c of [a!, b!, ...rest]) expect(c.ofType('signal')).toEqual([])
    expect(a!.ofType('error')).toEqual([])
  })

  it('to an unknown peer, to self, or to a peer outside the topic is unknown-peer', async () => {
    const { server } = await startServer()
    const a = await TestClient.peer(server.url, 'a')
    const b = await TestClient.peer(server.url, 'b')
    a.send(joinRoom(T))
    await a.next((m) => m.type === 'peers')
    for (const to of ['ghost', 'a', 'b']) {
      a.send({ type: 'signal', topic: T.topic, to, data: 'x', ref: to })
      expect(await a.nextError()).toMatchObject({ code: 'unknown-peer', ref: to })
    }
    await b.barrier()
    expect(b.ofType('signal')).toEqual([])
  })

  it('requires the sender to have joined the topic', async () => {
    const { server } = await startServer()
    const a = await TestClient.peer(server.url, 'a')
    const b = await TestClient.peer(server.url, 'b')
    b.send(joinRoom(T))
    await b.next((m) => m.type === 'peers')
    a.send({ type: 'signal', topic: T.topic, to: 'b', data: 1 })
    expect(await a.nextError()).toMatchObject({ code: 'not-joined' })
  })

  it('keeps topics isolated: samples and signals never cross topics', async () => {
    const { server } = await startServer()
    const [a1, a2, b1, b2] = await Promise.all(['a1', 'a2', 'b1', 'b2'].map((id) => TestClient.peer(server.url, id)))
    const join = async (c: TestClient, room: typeof A): Promise<string[]> => {
      c.send(joinRoom(room))
      return ((await c.next((m) => m.type === 'peers')) as PeersMessage).peers
    }
    expect(await join(a1!, A)).toEqual([])
    expect(await join(b1!, B)).toEqual([])
    expect(await join(a2!, A)).toEqual(['a1'])
    expect(await join(b2!, B)).toEqual(['b1'])
    a1!.send({ type: 'signal', topic: A.topic, to: 'b1', data: 1 })
    expect(await a1!.nextError()).toMatchObject({ code: 'unknown-peer' })
    a1!.send({ type: 'signal', topic: B.topic, to: 'b1', data: 1 })
    expect(await a1!.nextError()).toMatchObject({ code: 'not-joined' })
    expect(server.stats().topics).toBe(2)
  })
})
