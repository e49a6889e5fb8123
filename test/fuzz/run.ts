/**
 * The fuzz tier on demand: `pnpm fuzz [--frames 10000000] [--workers 2] [--seed n] [--chunk 100000]`
 * runs fuzz workers (fuzz-worker.ts, each a child process with a capped heap) over chunks of
 * frames with successive seeds, `--workers` at a time, until `--frames` frames were sent.
 * It prints each chunk's summary and, on failure, the seed to replay; exits 1 if any failed.
 */
import { runWorker, type WorkerResult } from './spawn-worker.js'

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? Number(process.argv[at + 1]) : fallback
}

const total = arg('frames', 10_000_000)
const workers = arg('workers', 2)
const chunk = arg('chunk', 100_000)
const baseSeed = arg('seed', Date.now() % 2 ** 31)
const chunks = Math.ceil(total / chunk)
let next = 0
let sent = 0
const failures: WorkerResult[] = []
const started = Date.now()

async function lane(): Promise<void> {
  while (next < chunks) {
    const index = next++
    const frames = Math.min(chunk, total - index * chunk)
    const result = await runWorker(baseSeed + index, frames)
    sent += frames
    const ok = result.code === 0 && result.summary?.ok === true
    if (!ok) failures.push(result)
    console.log(`${ok ? 'ok  ' : 'FAIL'} seed ${result.seed}: ${frames} frames (${sent}/${total}, ${Math.round((Date.now() - started) / 1000)} s)${ok ? '' : `\n${JSON.stringify(result.summary?.problems ?? result.stderr)}`}`)
  }
}

await Promise.all(Array.from({ length: workers }, () => lane()))
for (const failure of failures) console.error(`replay: node --max-old-space-size=384 --import tsx --conditions=source test/fuzz/fuzz-worker.ts --seed ${failure.seed} --frames ${failure.frames}`)
console.log(`${sent} frames, ${failures.length} failed chunk(s), base seed ${baseSeed}`)
process.exitCode = failures.length > 0 ? 1 : 0
