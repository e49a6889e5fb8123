/**
 * The real signaling server as a child process, for integration tests: started on a free
 * port (read from its JSON `listening` line) and stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const SERVER_BIN = fileURLToPath(new URL('../../packages/signaling-server/bin/gossamer-signal.mjs', import.meta.url))

/** A running `gossamer-signal` process and its URL. */
export interface SignalingProcess {
  child: ChildProcess
  url: string
}

/** Starts `gossamer-signal --port 0` and resolves once it listens; rejects (and kills it) when `signal` aborts first. */
export function startSignalingProcess(signal: AbortSignal): Promise<SignalingProcess> {
  const child = spawn(process.execPath, [SERVER_BIN, '--port', '0', '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const stderr: string[] = []
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  return new Promise<SignalingProcess>((resolve, reject) => {
    const fail = (why: string): void => {
      child.kill('SIGKILL')
      reject(new Error(`${why}\n${stderr.join('')}`))
    }
    const onAbort = (): void => fail('the signaling server did not start in time')
    signal.addEventListener('abort', onAbort, { once: true })
    child.once('exit', (code) => fail(`the signaling server exited early (${String(code)})`))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let record: { msg?: string; url?: string }
      try {
        record = JSON.parse(line) as { msg?: string; url?: string }
      } catch {
        return
      }
      if (record.msg !== 'listening' || record.url === undefined) return
      signal.removeEventListener('abort', onAbort)
      child.removeAllListeners('exit')
      resolve({ child, url: record.url })
    })
  })
}

/** Stops the process with `how` (SIGTERM: graceful; SIGKILL: a crash) and waits for it to exit. */
export async function stopSignalingProcess(server: SignalingProcess | undefined, how: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const child = server?.child
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(how)
  await exited
}
