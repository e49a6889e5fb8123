/**
 * The signaling server under test, in its own process (started through the `gossamer-signal`
 * CLI from source, with a raised open-file limit), stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { withRaisedLimit } from './limits.js'

const BIN = fileURLToPath(new URL('../../packages/signaling-server/bin/gossamer-signal.mjs', import.meta.url))

/** A running server process. */
export interface ServerProcess {
  url: string
  port: number
  pid: number
  /** Resident memory of the server process in MB (from /proc), or null. */
  rssMB(): number | null
  /** The `/health` counters. */
  health(): Promise<{ connections: number; topics: number }>
  /** SIGTERM, then SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void>
}

/** Starts `gossamer-signal --port 0` with the given extra flags; rejects if it does not listen within 30 s. */
export async function startServer(flags: string[], fds: number): Promise<ServerProcess> {
  const { command, args } = withRaisedLimit([process.execPath, BIN, '--port', '0', '--host', '127.0.0.1', '--log-level', 'info', ...flags], fds)
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, GOSSAMER_SIGNAL_SOURCE: '1' }, // never a stale dist/
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  // The port is read from the JSON 'listening' record (info level); later lines are drained.
  const url = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 30_000)
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
  const port = Number(new URL(url).port)
  const pid = child.pid ?? -1
  return {
    url,
    port,
    pid,
    rssMB: () => {
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
        return Number.isFinite(kb) ? Math.round(kb / 1024) : null
      } catch {
        return null
      }
    },
    health: async () => (await (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(10_000) })).json()) as { connections: number; topics: number },
    stop,
  }
}
