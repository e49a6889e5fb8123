import { readFileSync } from 'node:fs'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { SERVER_VERSION, createSignalingServer } from '../src/index.js'
import { TestClient, joinRoom, startServer, testRoom, withDeadline } from './helpers.js'

describe('HTTP', () => {
  it('GET /health reports status, connections, topics and uptime; other paths are 404', async () => {
    const { server } = await startServer()
    const c = await TestClient.peer(server.url, 'a')
    c.send(joinRoom(testRoom('t')))
    await c.next((m) => m.type === 'peers')
    const base = `http://127.0.0.1:${server.port}`
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(3_000) })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/json')
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toEqual({ status: 'ok', connections: 1, topics: 1, uptimeS: expect.any(Number) })
    for (const path of ['/', '/healthz', '/health/x']) {
      expect((await fetch(`${base}${path}`, { signal: AbortSignal.timeout(3_000) })).status).toBe(404)
    }
    expect((await fetch(`${base}/health`, { method: 'POST', signal: AbortSignal.timeout(3_000) })).status).toBe(405)
  })
})

describe('keepalive', () => {
  it('drops a connection that does not answer pings, keeps one that does', async () => {
    const { server, logs } = await startServer({ pingIntervalMs: 100 })
    const healthy = await TestClient.peer(server.url, 'healthy')
    const silent = await TestClient.connect(server.url, { autoPong: false })
    silent.send({ type: 'hello', peerId: 'silent' })
    await silent.next((m) => m.type === 'welcome')
    const { code } = await silent.closed
    expect(code).toBe(1006) // terminated without a closing handshake
    await healthy.barrier()
    expect(healthy.ws.readyState).toBe(healthy.ws.OPEN)
    expect(logs.some((r) => r.msg.includes('no pong'))).toBe(true)
  })
})

describe('shutdown', () => {
  it('close() closes every client with 1001, frees the port, and is idempotent', async () => {
    const { server, logs } = await startServer()
    const clients = await Promise.all(['a', 'b', 'c'].map((id) => TestClient.peer(server.url, id)))
    const raw = await TestClient.connect(server.url) // no hello yet
    const closing = server.close()
    expect(server.close()).toBe(closing)
    const codes = await withDeadline(Promise.all([...clients, raw].map((c) => c.closed)), 'clients closed')
    expect(codes.map((c) => c.code)).toEqual([1001, 1001, 1001, 1001])
    await withDeadline(closing, 'close()')
    await expect(TestClient.connect(server.url)).rejects.toThrow(/ECONNREFUSED/)
    expect(logs.at(-1)).toMatchObject({ level: 'info', msg: 'closed' })
  })

  it('an AbortSignal closes the server', async () => {
    const controller = new AbortController()
    const { server } = await startServer({ signal: controller.signal })
    const c = await TestClient.peer(server.url, 'a')
    controller.abort()
    expect((await c.closed).code).toBe(1001)
  })

  it('rejects with ListenError when the port is taken, and with AbortError when aborted first', async () => {
    const { server } = await startServer()
    await expect(createSignalingServer({ port: server.port, log: () => {} })).rejects.toMatchObject({
      name: 'ListenError',
      cause: expect.objectContaining({ code: 'EADDRINUSE' }),
    })
    await expect(createSignalingServer({ port: 0, signal: AbortSignal.abort(), log: () => {} })).rejects.toMatchObject({ name: 'AbortError' })
    await expect(createSignalingServer({ port: 70_000 })).rejects.toMatchObject({ name: 'InvalidOptionsError' })
    await expect(createSignalingServer({ limits: { maxConnections: -1 } })).rejects.toMatchObject({ name: 'InvalidOptionsError' })
  })
})

describe('logs and metadata', () => {
  it('logs one structured record per event, honouring logLevel', async () => {
    const { server, logs } = await startServer({ logLevel: 'info' })
    expect(logs[0]).toMatchObject({ level: 'info', msg: 'listening', port: server.port, url: server.url, time: expect.any(String) })
    const c = await TestClient.peer(server.url, 'a')
    await c.barrier()
    expect(logs.every((r) => r.level !== 'debug')).toBe(true)
    const quiet: unknown[] = []
    const s2 = await createSignalingServer({ port: 0, logLevel: 'warn', log: (r) => quiet.push(r) })
    await s2.close()
    expect(quiet).toEqual([])
  })

  it('a throwing log sink never breaks the server', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    onTestFinished(() => stderr.mockRestore())
    const { server } = await startServer({ log: () => { throw new Error('sink down') } })
    const c = await TestClient.peer(server.url, 'a')
    await c.barrier()
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('sink down'))
  })

  it('SERVER_VERSION matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    expect(SERVER_VERSION).toBe(pkg.version)
  })
})
