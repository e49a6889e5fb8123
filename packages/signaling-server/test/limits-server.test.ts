import { describe, expect, it } from 'vitest'
import { TestClient, joinRoom, startServer, testRoom } from './helpers.js'

describe('limits', () => {
  it('message size: too-large error under closeAboveBytes, close 1009 above it', async () => {
    const { server } = await startServer({ limits: { maxMessageBytes: 1024 } })
    const c = await TestClient.peer(server.url, 'a')
    c.send({ type: 'signal', topic: 't', to: 'b', data: 'x'.repeat(2000) })
    expect(await c.nextError()).toMatchObject({ code: 'too-large', message: expect.stringContaining('1024') })
    await c.barrier() // still connected
    c.send({ type: 'signal', topic: 't', to: 'b', data: 'x'.repeat(4 * 1024 + 1) })
    expect((await c.closed).code).toBe(1009)
  })

  it('message size: the default limit is 64 KiB and 4x that closes with 1009', async () => {
    const { server } = await startServer()
    const c = await TestClient.peer(server.url, 'a')
    c.send({ type: 'ping', pad: 'x'.repeat(64 * 1024) })
    expect(await c.nextError()).toMatchObject({ code: 'too-large' })
    c.sendRaw('x'.repeat(256 * 1024 + 1))
    expect((await c.closed).code).toBe(1009)
  })

  it('rate: over the token bucket gives one rate-limited error, sustained abuse closes with 1008', async () => {
    const { server, logs } = await startServer({ limits: { messagesPerSecond: 0.001, messageBurst: 5, maxRateViolations: 20 } })
    const c = await TestClient.connect(server.url)
    for (let i = 0; i < 10; i++) c.send({ type: 'ping', ref: i })
    expect(await c.nextError()).toMatchObject({ code: 'rate-limited' })
    expect(c.ofType('pong').map((p) => p.ref)).toEqual([0, 1, 2, 3, 4])
    for (let i = 0; i < 25; i++) c.send({ type: 'ping' })
    expect((await c.closed).code).toBe(1008)
    expect(c.ofType('error')).toEqual([]) // one error per episode, not one per dropped message
    expect(logs.some((r) => r.level === 'warn' && r.msg.includes('rate-limit'))).toBe(true)
  })

  it('topics per connection: too-many-topics past the limit; re-join and leave free a slot', async () => {
    const { server } = await startServer({ limits: { maxTopicsPerConnection: 3 } })
    const c = await TestClient.peer(server.url, 'a')
    const [t0, t1, t2, t3] = ['t0', 't1', 't2', 't3'].map(testRoom) as [ReturnType<typeof testRoom>, ReturnType<typeof testRoom>, ReturnType<typeof testRoom>, ReturnType<typeof testRoom>]
    for (const t of [t0, t1, t2, t0]) {
      c.send(joinRoom(t))
      expect(await c.next()).toMatchObject({ type: 'peers', topic: t.topic })
    }
    c.send(joinRoom(t3, 'j3'))
    expect(await c.nextError()).toMatchObject({ code: 'too-many-topics', ref: 'j3', message: expect.stringContaining('3') })
    c.send({ type: 'leave', topic: t0.topic })
    c.send(joinRoom(t3))
    expect(await c.next()).toMatchObject({ type: 'peers', topic: t3.topic })
  })

  it('total connections: server-full then close 1013; a slot frees when a client leaves', async () => {
    const { server } = await startServer({ limits: { maxConnections: 2 } })
    const a = await TestClient.connect(server.url)
    await TestClient.connect(server.url)
    const c = await TestClient.connect(server.url)
    expect(await c.nextError()).toMatchObject({ code: 'server-full' })
    expect((await c.closed).code).toBe(1013)
    expect(server.stats()).toMatchObject({ connections: 2, rejectedConnections: 1 })
    a.ws.close()
    await a.closed
    let accepted: TestClient | undefined
    for (let i = 0; i < 50 && !accepted; i++) {
      const d = await TestClient.connect(server.url)
      d.send({ type: 'ping' })
      const m = await d.next()
      if (m.type === 'pong') accepted = d
    }
    expect(accepted).toBeDefined()
  })

  it('hello timeout: a silent connection gets hello-required and close 1008', async () => {
    const { server } = await startServer({ limits: { helloTimeoutMs: 50 } })
    const c = await TestClient.connect(server.url)
    expect(await c.nextError()).toMatchObject({ code: 'hello-required' })
    expect((await c.closed).code).toBe(1008)
  })

  it('binary frames get bad-message and the connection stays usable', async () => {
    const { server } = await startServer()
    const c = await TestClient.connect(server.url)
    c.sendRaw(Buffer.from(JSON.stringify({ type: 'ping' })), true)
    expect(await c.nextError()).toMatchObject({ code: 'bad-message', message: expect.stringContaining('binary') })
    c.sendRaw('not json')
    expect(await c.nextError()).toMatchObject({ code: 'bad-json' })
    await c.barrier()
  })
})
