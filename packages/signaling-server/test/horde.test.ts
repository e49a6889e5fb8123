/**
 * A horde of hostile sockets that say hello, join the shared signaling topic, answer every
 * ping and never signal fills every slot of the server. A legitimate peer must still get in,
 * join its room, get its peers and signal, and a peer already in a room is never pushed out.
 * The horde is 2,000 sockets (fewer when the open-file limit is low: both ends of every
 * socket live in this process); the bench runs 10,000 against a server in its own process.
 */
import WebSocket from 'ws'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { PeersMessage } from '../src/index.js'
import { TestClient, joinRoom, manualClock, openFileSoftLimit, startServer, testRoom, withDeadline } from './helpers.js'

const SHARED = testRoom('shared-signaling')
const ROOM = testRoom('design-review')
const PER_SOURCE = 40
const HORDE = Math.max(200, Math.min(2_000, Math.floor((openFileSoftLimit() - 400) / 2)))

/** One hostile socket: hello, bare join of the shared topic, then nothing but automatic pongs. */
interface Hostile {
  ws: WebSocket
  pings: number
  evicted: boolean
  ready: Promise<void>
  /** Resolves at the second keepalive ping the server sends it. */
  pingedTwice: Promise<void>
  /** Resolves when the server evicts it. */
  gone: Promise<void>
}

function source(index: number): string {
  const s = Math.floor(index / PER_SOURCE)
  return `127.1.${Math.floor(s / 250)}.${(s % 250) + 1}`
}

function hostile(url: string, index: number): Hostile {
  const ws = new WebSocket(url, { localAddress: source(index) })
  let pingedTwice = (): void => {}
  let gone = (): void => {}
  const h: Hostile = {
    ws,
    pings: 0,
    evicted: false,
    ready: Promise.resolve(),
    pingedTwice: new Promise<void>((resolve) => (pingedTwice = resolve)),
    gone: new Promise<void>((resolve) => (gone = resolve)),
  }
  ws.on('error', () => {}) // the close that follows is what matters
  ws.on('ping', () => {
    if (++h.pings === 2) pingedTwice()
  })
  h.ready = new Promise<void>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', peerId: `hostile${index}` })))
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; code?: string }
      if (m.type === 'welcome') ws.send(JSON.stringify({ type: 'join', topic: SHARED.topic }))
      else if (m.type === 'joined') resolve()
      else if (m.type === 'error' && m.code === 'evicted') {
        h.evicted = true
        gone()
      }
      else if (m.type === 'error') reject(new Error(`hostile${index}: ${m.code ?? '?'}`))
    })
    ws.once('close', (code) => reject(new Error(`hostile${index} closed (${code}) before joining`)))
  })
  return h
}

describe('a server full of hostile sockets', () => {
  it(`still introduces a legitimate peer (${HORDE} hostile sockets that answer pings and never signal)`, { timeout: 120_000 }, async () => {
    const clock = manualClock()
    const idleEvictAfterMs = 10_000
    const { server } = await startServer({
      logLevel: 'warn',
      now: clock.now,
      // Long enough that a busy event loop (both ends of every socket live in this process)
      // never delays a pong past the next tick, which would drop the socket as dead.
      pingIntervalMs: 2_000,
      limits: { maxConnections: HORDE + 1, idleEvictAfterMs },
    })
    // A peer that joined its room before the attack, and then stays quiet.
    const waiting = await TestClient.peer(server.url, 'waiting', { localAddress: '127.0.0.2' })
    waiting.send(joinRoom(ROOM))
    expect(await waiting.next()).toEqual({ type: 'peers', topic: ROOM.topic, peers: [] })

    const horde: Hostile[] = []
    onTestFinished(() => {
      for (const h of horde) h.ws.terminate()
    })
    for (let start = 0; start < HORDE; start += 250) {
      const batch = Array.from({ length: Math.min(250, HORDE - start) }, (_, i) => hostile(server.url, start + i))
      horde.push(...batch)
      await withDeadline(Promise.all(batch.map((h) => h.ready)), `hostile sockets ${start}..`, 30_000)
    }
    expect(server.stats()).toMatchObject({ connections: HORDE + 1, peers: HORDE + 1 })
    // The horde answers the server's keepalive pings, so it is never dropped as dead: a second
    // ping means the tick after the first one found the socket alive.
    await withDeadline(Promise.all(horde.map((h) => h.pingedTwice)), 'two keepalive rounds', 30_000)
    expect(server.stats().connections).toBe(HORDE + 1)

    // While the horde is young, a newcomer is turned away: nobody has been idle long enough.
    const early = await TestClient.connect(server.url, { localAddress: '127.0.0.3' })
    expect(await early.nextError()).toMatchObject({ code: 'server-full' })

    // Held open past the idle threshold: now a legitimate peer gets in, joins and signals.
    clock.advance(idleEvictAfterMs + 1)
    const legit = await TestClient.peer(server.url, 'legit', { localAddress: '127.0.0.4' })
    legit.send(joinRoom(ROOM, 'j'))
    expect(await legit.next((m) => m.type === 'peers')).toEqual({ type: 'peers', topic: ROOM.topic, peers: ['waiting'], ref: 'j' })
    legit.send({ type: 'signal', topic: ROOM.topic, to: 'waiting', data: { type: 'offer', sdp: 'v=0' } })
    expect(await waiting.next((m) => m.type === 'signal')).toMatchObject({ from: 'legit', data: { type: 'offer' } })
    waiting.send({ type: 'signal', topic: ROOM.topic, to: 'legit', data: { type: 'answer', sdp: 'v=0' } })
    expect(await legit.next((m) => m.type === 'signal')).toMatchObject({ from: 'waiting', data: { type: 'answer' } })

    // The evicted hostile socket comes straight back: its source was just evicted, so it cannot push out another.
    await withDeadline(Promise.race(horde.map((h) => h.gone)), 'a hostile socket evicted', 30_000)
    const gone = horde.findIndex((h) => h.evicted)
    expect(gone).toBeLessThan(250) // the longest idle: one of the first batch to connect
    const back = new WebSocket(server.url, { localAddress: source(gone) })
    onTestFinished(() => back.terminate())
    const refused = await withDeadline(new Promise<string>((resolve) => back.on('message', (d) => resolve(String(d)))), 'the comeback refusal')
    expect(JSON.parse(refused)).toMatchObject({ type: 'error', code: 'server-full' })

    // Ten more legitimate peers from ten more addresses: every one gets in and finds the room.
    const members = ['waiting', 'legit']
    for (let i = 0; i < 10; i++) {
      const peer = await TestClient.peer(server.url, `legit${i}`, { localAddress: `127.0.0.${10 + i}` })
      peer.send(joinRoom(ROOM))
      const { peers } = (await peer.next((m) => m.type === 'peers')) as PeersMessage
      expect(peers).toHaveLength(Math.min(8, members.length))
      for (const p of peers) expect(members).toContain(p)
      members.push(`legit${i}`)
    }
    await waiting.barrier()
    expect(waiting.ofType('error')).toEqual([])
    expect(server.stats()).toMatchObject({ evictedConnections: 11, connections: HORDE + 1 })
    const evictedIndices = horde.flatMap((h, i) => (h.evicted ? [i] : []))
    expect(evictedIndices).toHaveLength(11)
    expect(evictedIndices.every((i) => i < 250)).toBe(true)
  })
})
