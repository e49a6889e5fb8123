import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { describe, expect, it, onTestFinished } from 'vitest'
import { parseCliArgs } from '../src/cli.js'
import { TestClient, withDeadline } from './helpers.js'

const BIN = fileURLToPath(new URL('../bin/gossamer-signal.mjs', import.meta.url))
const STARTUP_MS = 20_000

interface Started {
  child: ChildProcess
  lines: Array<Record<string, unknown>>
  /** Resolves with the first stdout record matching `predicate`. */
  record: (predicate: (r: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  stderr: () => string
}

/** Spawns the real CLI (from source, through the bin) and parses its JSON log lines. */
function startCli(args: string[]): Started {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, GOSSAMER_SIGNAL_SOURCE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') // only the child we spawned
  })
  const lines: Array<Record<string, unknown>> = []
  const watchers: Array<{ predicate: (r: Record<string, unknown>) => boolean; resolve: (r: Record<string, unknown>) => void }> = []
  let errText = ''
  child.stderr!.on('data', (chunk: Buffer) => (errText += chunk.toString()))
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let rec: Record<string, unknown>
    try {
      rec = JSON.parse(line) as Record<string, unknown>
    } catch {
      rec = { unparsed: line }
    }
    lines.push(rec)
    for (const w of watchers.filter((x) => x.predicate(rec))) {
      watchers.splice(watchers.indexOf(w), 1)
      w.resolve(rec)
    }
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const record = (predicate: (r: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const found = lines.find(predicate)
    if (found) return Promise.resolve(found)
    const waiting = new Promise<Record<string, unknown>>((resolve) => watchers.push({ predicate, resolve }))
    const died = exited.then(({ code }) => {
      throw new Error(`CLI exited (${code}) before the expected log line; stderr: ${errText}`)
    })
    return withDeadline(Promise.race([waiting, died]), `CLI log line (stderr: ${errText})`, STARTUP_MS)
  }
  return { child, lines, record, exited, stderr: () => errText }
}

describe('gossamer-signal CLI', () => {
  it('starts, serves /health, and exits 0 on SIGTERM after closing clients with 1001', { timeout: 40_000 }, async () => {
    const cli = startCli(['--port', '0', '--host', '127.0.0.1'])
    const listening = await cli.record((r) => r['msg'] === 'listening')
    expect(listening).toMatchObject({ level: 'info', host: '127.0.0.1', time: expect.any(String) })
    const port = listening['port'] as number
    expect(port).toBeGreaterThan(0)
    expect(listening['url']).toBe(`ws://127.0.0.1:${port}`)

    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3_000) })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', connections: 0, topics: 0 })

    const client = await TestClient.peer(`ws://127.0.0.1:${port}`, 'cli-peer')
    expect(cli.child.kill('SIGTERM')).toBe(true)
    expect((await withDeadline(client.closed, 'client closed')).code).toBe(1001)
    expect(await withDeadline(cli.exited, 'CLI exit', STARTUP_MS)).toEqual({ code: 0, signal: null })
    expect(cli.lines.map((l) => l['msg'])).toEqual(expect.arrayContaining(['listening', 'shutting down', 'closed']))
    expect(cli.stderr()).toBe('')
  })

  it('exits 2 with usage on an unknown flag', { timeout: 40_000 }, async () => {
    const cli = startCli(['--bogus'])
    expect(await withDeadline(cli.exited, 'CLI exit', STARTUP_MS)).toEqual({ code: 2, signal: null })
    expect(cli.stderr()).toContain('Usage: gossamer-signal')
  })
})

describe('parseCliArgs', () => {
  it('reads flags, skips a literal --, and falls back to PORT/HOST', () => {
    expect(parseCliArgs(['--', '--port', '5000', '--quiet'])).toMatchObject({ port: 5000, host: '127.0.0.1', logLevel: 'warn' })
    expect(parseCliArgs([], { PORT: '7000', HOST: '0.0.0.0' })).toMatchObject({ port: 7000, host: '0.0.0.0', logLevel: 'info' })
    expect(parseCliArgs(['--log-level', 'debug', '--ping-interval', '500', '--max-connections', '3'])).toMatchObject({
      logLevel: 'debug',
      pingIntervalMs: 500,
      maxConnections: 3,
    })
    expect(parseCliArgs([]).port).toBe(4444)
    expect(parseCliArgs([])).toMatchObject({ trustProxy: 0, maxConnectionsPerSource: undefined, idleEvictAfterMs: undefined })
    expect(
      parseCliArgs(['--trust-proxy', '2', '--max-connections-per-source', '8', '--hello-timeout', '2000', '--idle-evict-after', '30000']),
    ).toMatchObject({ trustProxy: 2, maxConnectionsPerSource: 8, helloTimeoutMs: 2000, idleEvictAfterMs: 30_000 })
  })

  it('rejects bad values with a readable SignalingError', () => {
    for (const argv of [['--port', 'abc'], ['--port', '-1'], ['--log-level', 'loud'], ['--ping-interval', '0'], ['--trust-proxy', 'yes'], ['--max-connections-per-source', '0'], ['stray'], ['--nope']]) {
      expect(() => parseCliArgs(argv), argv.join(' ')).toThrowError(expect.objectContaining({ name: 'SignalingError' }))
    }
  })
})
