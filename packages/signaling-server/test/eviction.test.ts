/**
 * Eviction near capacity: connections that hold a slot without useful work (no proven
 * join, no relayed signal) for idleEvictAfterMs are evicted, longest idle first, so that a
 * newcomer gets in; members of rooms are never evicted as idle. Time is a manual clock.
 */
import { describe, expect, it } from 'vitest'
import { IdleQueue } from '../src/idle-queue.js'
import { TestClient, joinRoom, manualClock, startServer, testRoom } from './helpers.js'

const SHARED = testRoom('shared-signaling')
const ROOM = testRoom('room')

/** A connection that said hello and joined the shared topic without a proof, as every client does, and nothing more. */
async function idler(url: string, peerId: string, localAddress: string): Promise<TestClient> {
  const c = await TestClient.peer(url, peerId, { localAddress })
  c.send({ type: 'join', topic: SHARED.topic })
  await c.next((m) => m.type === 'joined')
  return c
}

/** Tries to get a slot: 'admitted' (a pong came back) or the refusal's error code. */
async function attempt(url: string, localAddress: string): Promise<{ outcome: string; client: TestClient }> {
  const client = await TestClient.connect(url, { localAddress })
  client.send({ type: 'ping' })
  const m = await client.next((x) => x.type === 'pong' || x.type === 'error')
  return { outcome: m.type === 'pong' ? 'admitted' : (m as { code: string }).code, client }
}

async function evicted(c: TestClient): Promise<number> {
  expect(await c.nextError()).toMatchObject({ code: 'evicted' })
  return (await c.closed).code
}

describe('IdleQueue', () => {
  it('finds the longest idle item, and only once it has been idle long enough', () => {
    const q = new IdleQueue<string>()
    q.touch('a', 0)
    q.touch('b', 10)
    q.touch('c', 20)
    expect(q.oldest(5, 10)).toBeUndefined()
    expect(q.oldest(10, 10)).toBe('a')
    q.touch('a', 30) // busy again: to the young end
    expect(q.oldest(100, 10)).toBe('b')
    q.remove('b')
    expect(q.oldest(100, 10)).toBe('c')
    expect(q.size).toBe(2)
    expect(q.has('b')).toBe(false)
  })
})

describe('eviction', () => {
  it('evicts the longest idle connection for a newcomer, never a room member, and only past the threshold', async () => {
    const clock = manualClock()
    const { server } = await startServer({ now: clock.now, limits: { maxConnections: 4, evictAboveFraction: 1, idleEvictAfterMs: 1000 } })
    const junk1 = await TestClient.peer(server.url, 'junk1', { localAddress: '127.0.0.11' })
    clock.set(100)
    const junk2 = await idler(server.url, 'junk2', '127.0.0.12')
    clock.set(200)
    const member = await TestClient.peer(server.url, 'member', { localAddress: '127.0.0.13' })
    member.send(joinRoom(ROOM))
    await member.next((m) => m.type === 'peers')
    clock.set(300)
    const silent = await TestClient.connect(server.url, { localAddress: '127.0.0.14' }) // never says hello
    clock.set(900)
    expect((await attempt(server.url, '127.0.0.20')).outcome).toBe('server-full') // nobody idle for 1000 ms yet
    clock.set(1000)
    const x = await attempt(server.url, '127.0.0.21')
    expect(x.outcome).toBe('admitted')
    expect(await evicted(junk1)).toBe(1013)
    clock.set(1300)
    expect((await attempt(server.url, '127.0.0.22')).outcome).toBe('admitted')
    expect(await evicted(junk2)).toBe(1013)
    expect((await attempt(server.url, '127.0.0.23')).outcome).toBe('admitted')
    expect(await evicted(silent)).toBe(1013) // a socket without hello is idle too
    // Left: the member (in a room: never idle) and three newcomers idle for at most 300 ms.
    expect((await attempt(server.url, '127.0.0.24')).outcome).toBe('server-full')
    await member.barrier()
    expect(member.ofType('error')).toEqual([])
    expect(server.stats()).toMatchObject({ connections: 4, evictedConnections: 3, rejectedConnections: 2 })
    // The evicted peer id is free again at once.
    x.client.send({ type: 'hello', peerId: 'junk1' })
    await x.client.next((m) => m.type === 'welcome')
  })

  it('a relayed signal counts as work; leaving the last proven room makes a connection idle again', async () => {
    const clock = manualClock()
    const { server } = await startServer({ now: clock.now, limits: { maxConnections: 3, evictAboveFraction: 1, idleEvictAfterMs: 1000 } })
    const a = await idler(server.url, 'a', '127.0.0.31')
    const b = await idler(server.url, 'b', '127.0.0.32')
    const m = await TestClient.peer(server.url, 'm', { localAddress: '127.0.0.33' })
    m.send(joinRoom(ROOM))
    await m.next((x) => x.type === 'peers')
    clock.set(900)
    a.send({ type: 'signal', topic: SHARED.topic, to: 'b', data: 'offer' })
    await b.next((x) => x.type === 'signal')
    clock.set(1500)
    expect((await attempt(server.url, '127.0.0.40')).outcome).toBe('server-full') // a and b signalled 600 ms ago
    m.send({ type: 'leave', topic: ROOM.topic })
    await m.barrier()
    clock.set(1950)
    expect((await attempt(server.url, '127.0.0.41')).outcome).toBe('admitted')
    expect(await evicted(a)).toBe(1013)
    clock.set(2600)
    expect((await attempt(server.url, '127.0.0.42')).outcome).toBe('admitted')
    expect(await evicted(b)).toBe(1013)
    expect((await attempt(server.url, '127.0.0.43')).outcome).toBe('admitted')
    expect(await evicted(m)).toBe(1013) // idle since it left, 1100 ms ago
  })

  it('near capacity (evictAboveFraction), a newcomer evicts an idle connection before the server is full', async () => {
    const clock = manualClock()
    const { server } = await startServer({ now: clock.now, limits: { maxConnections: 10, evictAboveFraction: 0.5, idleEvictAfterMs: 1000 } })
    const idle = await Promise.all([1, 2, 3, 4, 5].map((i) => idler(server.url, `idle${i}`, `127.0.0.${50 + i}`)))
    clock.set(2000)
    expect((await attempt(server.url, '127.0.0.60')).outcome).toBe('admitted')
    await Promise.race(idle.map((c) => c.closed))
    expect(server.stats()).toMatchObject({ connections: 5, evictedConnections: 1 })
  })

  it('a source whose connection was just evicted cannot evict on its way back in (no eviction churn)', async () => {
    const clock = manualClock()
    const { server } = await startServer({ now: clock.now, limits: { maxConnections: 2, evictAboveFraction: 1, idleEvictAfterMs: 1000 } })
    const first = await idler(server.url, 'first', '127.0.0.71')
    await idler(server.url, 'second', '127.0.0.72')
    clock.set(2000)
    expect((await attempt(server.url, '127.0.0.73')).outcome).toBe('admitted')
    await evicted(first)
    // 'second' is idle and old, but the evicted source coming back does not push it out.
    expect((await attempt(server.url, '127.0.0.71')).outcome).toBe('server-full')
    clock.set(3000) // the window has passed
    expect((await attempt(server.url, '127.0.0.71')).outcome).toBe('admitted')
    expect(server.stats().evictedConnections).toBe(2)
  })
})
