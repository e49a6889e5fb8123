/**
 * Per-source limits: connections, new-connection rate, joins and messages per source
 * address, and the X-Forwarded-For option. Clients pick their source address among
 * 127.0.0.0/8 (all loopback on Linux) with `localAddress`.
 */
import { describe, expect, it } from 'vitest'
import { sourceKey } from '../src/index.js'
import { TestClient, joinRoom, startServer, testRoom } from './helpers.js'

const NO_PROXY = { trustProxyHops: 0, ipv6PrefixBits: 64 }

describe('sourceKey', () => {
  it('keeps IPv4 addresses, unwraps IPv4-mapped IPv6, and groups IPv6 by prefix', () => {
    expect(sourceKey('127.0.0.7', undefined, NO_PROXY)).toBe('127.0.0.7')
    expect(sourceKey('::ffff:127.0.0.7', undefined, NO_PROXY)).toBe('127.0.0.7')
    expect(sourceKey('::ffff:7f00:7', undefined, NO_PROXY)).toBe('127.0.0.7')
    expect(sourceKey('2001:db8:1:2:aaaa::1', undefined, NO_PROXY)).toBe('2001:db8:1:2::/64')
    expect(sourceKey('2001:DB8:1:2:ffff:ffff:ffff:ffff', undefined, NO_PROXY)).toBe('2001:db8:1:2::/64')
    expect(sourceKey('2001:db8:1:2::1', undefined, { ...NO_PROXY, ipv6PrefixBits: 56 })).toBe('2001:db8:1::/56')
    expect(sourceKey('::1', undefined, { ...NO_PROXY, ipv6PrefixBits: 128 })).toBe('0:0:0:0:0:0:0:1/128')
    expect(sourceKey('fe80::1%eth0', undefined, NO_PROXY)).toBe('fe80::/64')
    expect(sourceKey(undefined, undefined, NO_PROXY)).toBe('unknown')
  })

  it('reads X-Forwarded-For only from trusted hops, right to left', () => {
    const xff = '203.0.113.9, 198.51.100.2'
    expect(sourceKey('10.0.0.1', xff, NO_PROXY)).toBe('10.0.0.1') // off: any client can send the header
    expect(sourceKey('10.0.0.1', xff, { ...NO_PROXY, trustProxyHops: 1 })).toBe('198.51.100.2')
    expect(sourceKey('10.0.0.1', xff, { ...NO_PROXY, trustProxyHops: 2 })).toBe('203.0.113.9')
    expect(sourceKey('10.0.0.1', xff, { ...NO_PROXY, trustProxyHops: 5 })).toBe('203.0.113.9')
    expect(sourceKey('10.0.0.1', ['203.0.113.9', '198.51.100.2:4431'], { ...NO_PROXY, trustProxyHops: 1 })).toBe('198.51.100.2')
    expect(sourceKey('10.0.0.1', '[2001:db8::5]:80', { ...NO_PROXY, trustProxyHops: 1 })).toBe('2001:db8::/64')
    expect(sourceKey('10.0.0.1', 'garbage', { ...NO_PROXY, trustProxyHops: 1 })).toBe('10.0.0.1')
  })
})

describe('per-source limits', () => {
  it('connections: a source past maxConnectionsPerSource gets source-limit and 1013; other sources do not', async () => {
    const { server, logs } = await startServer({ limits: { maxConnectionsPerSource: 3 } })
    const held = await Promise.all([1, 2, 3].map(() => TestClient.connect(server.url, { localAddress: '127.0.0.2' })))
    const refused = await TestClient.connect(server.url, { localAddress: '127.0.0.2' })
    expect(await refused.nextError()).toMatchObject({ code: 'source-limit', message: expect.stringContaining('3 connections') })
    expect((await refused.closed).code).toBe(1013)
    const other = await TestClient.peer(server.url, 'other', { localAddress: '127.0.0.3' })
    await other.barrier()
    expect(server.stats()).toMatchObject({ connections: 4, refusedBySource: 1 })
    expect(logs.some((r) => r.level === 'warn' && r['source'] === '127.0.0.2')).toBe(true)
    held[0]!.ws.close()
    await held[0]!.closed
    // The server may see the close a moment after the client: retry, one round trip each.
    let accepted = false
    for (let i = 0; i < 50 && !accepted; i++) {
      const again = await TestClient.connect(server.url, { localAddress: '127.0.0.2' })
      again.send({ type: 'ping' })
      accepted = (await again.next()).type === 'pong'
    }
    expect(accepted).toBe(true)
  })

  it('new-connection rate: a source that opened its burst is refused until its bucket refills', async () => {
    const { server } = await startServer({ limits: { connectionsPerSecondPerSource: 0.001, connectionBurstPerSource: 2 } })
    for (let i = 0; i < 2; i++) {
      const c = await TestClient.connect(server.url, { localAddress: '127.0.0.4' })
      c.ws.close()
      await c.closed
    }
    // Closing did not give the tokens back: opening and closing cannot dodge the rate.
    const third = await TestClient.connect(server.url, { localAddress: '127.0.0.4' })
    expect(await third.nextError()).toMatchObject({ code: 'source-limit', message: expect.stringContaining('new connections/s') })
    expect((await third.closed).code).toBe(1013)
    const elsewhere = await TestClient.peer(server.url, 'elsewhere', { localAddress: '127.0.0.5' })
    await elsewhere.barrier()
  })

  it('joins: the join bucket is shared by every connection of a source; refused joins get rate-limited', async () => {
    const { server } = await startServer({ limits: { joinsPerSecondPerSource: 0.001, joinBurstPerSource: 3 } })
    const a = await TestClient.peer(server.url, 'a', { localAddress: '127.0.0.6' })
    const b = await TestClient.peer(server.url, 'b', { localAddress: '127.0.0.6' })
    const rooms = ['r0', 'r1', 'r2', 'r3'].map(testRoom)
    a.send(joinRoom(rooms[0]!))
    a.send(joinRoom(rooms[1]!))
    b.send(joinRoom(rooms[2]!))
    await a.next((m) => m.type === 'peers')
    await a.next((m) => m.type === 'peers')
    await b.next((m) => m.type === 'peers')
    b.send(joinRoom(rooms[3]!, 'over'))
    expect(await b.nextError()).toMatchObject({ code: 'rate-limited', ref: 'over', message: expect.stringContaining('joins/s') })
    await b.barrier() // still open
    const c = await TestClient.peer(server.url, 'c', { localAddress: '127.0.0.7' })
    c.send(joinRoom(rooms[3]!))
    expect(await c.next()).toEqual({ type: 'peers', topic: rooms[3]!.topic, peers: [] })
  })

  it('messages: the message bucket is shared by every connection of a source', async () => {
    const { server } = await startServer({ limits: { messagesPerSecondPerSource: 0.001, messageBurstPerSource: 10 } })
    const x = await TestClient.connect(server.url, { localAddress: '127.0.0.8' })
    const y = await TestClient.connect(server.url, { localAddress: '127.0.0.8' })
    for (let i = 0; i < 6; i++) x.send({ type: 'ping', ref: i })
    for (let i = 0; i < 6; i++) await x.next((m) => m.type === 'pong' && m.ref === i)
    for (let i = 0; i < 6; i++) y.send({ type: 'ping', ref: i })
    expect(await y.nextError()).toMatchObject({ code: 'rate-limited', message: expect.stringContaining('from this address') })
    expect(y.ofType('pong').map((p) => p.ref)).toEqual([0, 1, 2, 3])
    const z = await TestClient.connect(server.url, { localAddress: '127.0.0.9' })
    await z.barrier()
  })

  it('X-Forwarded-For is ignored by default and trusted with trustProxy', async () => {
    const limits = { maxConnectionsPerSource: 1 }
    const plain = (await startServer({ limits })).server
    const first = await TestClient.connect(plain.url, { headers: { 'x-forwarded-for': '203.0.113.1' } })
    await first.barrier()
    const spoofed = await TestClient.connect(plain.url, { headers: { 'x-forwarded-for': '203.0.113.2' } })
    expect(await spoofed.nextError()).toMatchObject({ code: 'source-limit' })

    const proxied = (await startServer({ limits, trustProxy: true })).server
    const clients = await Promise.all(['203.0.113.1', '203.0.113.2', '203.0.113.3'].map((ip) => TestClient.connect(proxied.url, { headers: { 'x-forwarded-for': ip } })))
    await Promise.all(clients.map((c) => c.barrier()))
    const same = await TestClient.connect(proxied.url, { headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.2' } })
    expect(await same.nextError()).toMatchObject({ code: 'source-limit' })
    expect(proxied.stats()).toMatchObject({ connections: 3, sources: 3, refusedBySource: 1 })
  })
})
