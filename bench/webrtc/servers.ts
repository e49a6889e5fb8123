/**
 * The two signaling servers, each as a child process of the scenario: y-webrtc's own
 * `bin/server.js` (port from the PORT variable) and Gossamer's `gossamer-signal` CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, connect } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** A running signaling server. */
export interface SignalingProcess {
  url: string
  pid: number
  stop(): Promise<void>
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A TCP port that was free a moment ago (inside our own namespace nobody races for it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
    await exited
    clearTimeout(timer)
  }
}

/** Starts `y-webrtc/bin/server.js` with PORT set and waits until it accepts connections. */
export async function startYWebrtcServer(): Promise<SignalingProcess> {
  const bin = fileURLToPath(new URL('../bin/server.js', import.meta.resolve('y-webrtc')))
  const port = await freePort()
  const child = spawn(process.execPath, [bin], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] })
  const stderr: string[] = []
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  const stop = stopper(child)
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) break
    if (await canConnect(port)) return { url: `ws://127.0.0.1:${port}`, pid: child.pid ?? -1, stop }
    await sleep(50)
  }
  await stop()
  throw new Error(`y-webrtc's signaling server did not start\n${stderr.join('')}`)
}

/** Starts `gossamer-signal --port 0` and reads its URL from the JSON `listening` line. */
export async function startGossamerServer(): Promise<SignalingProcess> {
  const bin = fileURLToPath(new URL('../../packages/signaling-server/bin/gossamer-signal.mjs', import.meta.url))
  const child = spawn(process.execPath, [bin, '--port', '0', '--host', '127.0.0.1', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const stderr: string[] = []
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  const stop = stopper(child)
  const url = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 15_000)
    child.once('exit', () => resolve(undefined))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const record = JSON.parse(line) as { msg?: string; url?: string }
        if (record.msg === 'listening' && typeof record.url === 'string') {
          clearTimeout(timer)
          resolve(record.url)
        }
      } catch {
        // not a JSON line
      }
    })
  })
  if (url === undefined) {
    await stop()
    throw new Error(`gossamer-signal did not start\n${stderr.join('')}`)
  }
  return { url, pid: child.pid ?? -1, stop }
}
