/**
 * Starts one fuzz worker (fuzz-worker.ts) as a child process with a memory cap and
 * resolves with its JSON summary and exit code, waiting on the process's events.
 */
import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..')

/** What a worker reported. */
export interface WorkerResult {
  code: number | null
  seed: number
  frames: number
  summary: { ok: boolean; problems: string[]; [key: string]: unknown } | undefined
  stderr: string
}

/** Runs a worker over `frames` frames from `seed`, its heap capped at `heapMB`. */
export function runWorker(seed: number, frames: number, heapMB = 384): Promise<WorkerResult> {
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${heapMB}`, '--import', 'tsx', '--conditions=source', join(here, 'fuzz-worker.ts'), '--seed', String(seed), '--frames', String(frames)],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((done) => {
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? ''
      let summary: WorkerResult['summary']
      try {
        summary = JSON.parse(line) as WorkerResult['summary']
      } catch {
        summary = undefined
      }
      done({ code, seed, frames, summary, stderr: stderr.slice(-4000) })
    })
  })
}
