/**
 * The collaborative editor's demo (`scripts/demo.mjs --json`) as a child process of a test:
 * built into a directory of its own and served on free ports, so two runs never collide.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const DEMO = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url))

/** A running demo: its process, the page URL and the signaling server's. */
export interface Demo {
  child: ChildProcess
  url: string
  signalingUrl: string
  /** Its own build directory (removed when it stops), so two runs never share one. */
  outDir: string
}

/** Builds the app and starts the signaling and static servers through `scripts/demo.mjs --json`. */
export async function startDemo(signal: AbortSignal): Promise<Demo> {
  const outDir = mkdtempSync(join(tmpdir(), 'gossamer-editor-'))
  const child = spawn(process.execPath, [DEMO, '--json', '--out-dir', outDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  return new Promise<Demo>((resolve, reject) => {
    const fail = (why: string): void => {
      child.kill('SIGTERM')
      reject(new Error(`${why}\n${stderr.join('')}`))
    }
    const onAbort = (): void => fail('scripts/demo.mjs did not get ready in time')
    signal.addEventListener('abort', onAbort, { once: true })
    child.once('exit', (code) => fail(`scripts/demo.mjs exited early (${code})`))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ready = JSON.parse(line) as { msg: string; url: string; signalingUrl: string }
      if (ready.msg !== 'ready') return
      signal.removeEventListener('abort', onAbort)
      child.removeAllListeners('exit')
      resolve({ child, url: ready.url, signalingUrl: ready.signalingUrl, outDir })
    })
  })
}

/** Stops the demo and removes its build. */
export async function stopDemo(demo: Demo | undefined): Promise<void> {
  const child = demo?.child
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  if (demo !== undefined) rmSync(demo.outDir, { recursive: true, force: true })
}
