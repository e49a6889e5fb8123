/**
 * Starts an example app for browser tests through `scripts/serve-example.mjs --json`: it
 * builds the app into a fresh folder, starts the signaling server and a static server on
 * 127.0.0.1 (any free ports), and prints one `ready` line, read here.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const SERVE = fileURLToPath(new URL('../../scripts/serve-example.mjs', import.meta.url))

/** A running example. */
export interface ExampleServer {
  /** The app's URL, with `?room=…&signal=…`. */
  url: string
  signalingUrl: string
  /** Stops both servers and removes the build. */
  stop(): Promise<void>
}

/** Builds and serves `examples/<app>`; rejects when it is not ready before `signal` aborts. */
export async function startExample(app: string, signal: AbortSignal): Promise<ExampleServer> {
  const outDir = await mkdtemp(join(tmpdir(), `gossamer-${app}-`))
  const child = spawn(process.execPath, [SERVE, '--app', app, '--json', '--port', '0', '--signal-port', '0', '--out-dir', outDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  const stop = async (): Promise<void> => {
    await stopChild(child)
    await rm(outDir, { recursive: true, force: true })
  }
  try {
    const ready = await new Promise<{ url: string; signalingUrl: string }>((resolve, reject) => {
      const fail = (why: string): void => reject(new Error(`${why}\n${stderr.join('')}`))
      const onAbort = (): void => fail(`serve-example --app ${app} was not ready in time`)
      signal.addEventListener('abort', onAbort, { once: true })
      child.once('exit', (code) => fail(`serve-example --app ${app} exited early (${code})`))
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let parsed: { msg?: string; url?: string; signalingUrl?: string }
        try {
          parsed = JSON.parse(line) as typeof parsed
        } catch {
          return
        }
        if (parsed.msg !== 'ready' || parsed.url === undefined || parsed.signalingUrl === undefined) return
        signal.removeEventListener('abort', onAbort)
        child.removeAllListeners('exit')
        resolve({ url: parsed.url, signalingUrl: parsed.signalingUrl })
      })
    })
    return { ...ready, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}
