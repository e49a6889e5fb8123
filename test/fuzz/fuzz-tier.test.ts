/**
 * The fuzz tier: at least 100,000 random, mutated and structure-aware frames per run into
 * live rooms on the memory network, in two worker processes with a 384 MB heap cap each
 * (fuzz-worker.ts has the oracle). Replay a failure with the seed it prints:
 * `node --max-old-space-size=384 --import tsx --conditions=source test/fuzz/fuzz-worker.ts --seed <seed> --frames <n>`.
 * `GOSSAMER_FUZZ_SEED` changes the seeds; `pnpm fuzz` runs 10⁷ frames on demand (run.ts).
 */
import { describe, expect, it } from 'vitest'
import { runWorker } from './spawn-worker.js'

const BASE_SEED = Number(process.env.GOSSAMER_FUZZ_SEED ?? 0xf022)
const WORKERS = 2
const FRAMES_PER_WORKER = 50_000

describe('fuzz tier', () => {
  it(`${WORKERS * FRAMES_PER_WORKER} frames into live rooms, in ${WORKERS} memory-capped workers: no crash, no change from rejected frames, convergence`, { timeout: 180_000 }, async () => {
    const results = await Promise.all(Array.from({ length: WORKERS }, (_, i) => runWorker(BASE_SEED + i, FRAMES_PER_WORKER)))
    for (const result of results) {
      const replay = `seed ${result.seed} (replay: node --max-old-space-size=384 --import tsx --conditions=source test/fuzz/fuzz-worker.ts --seed ${result.seed} --frames ${result.frames})`
      expect(result.summary, `${replay}: no summary; exit ${result.code}; ${result.stderr}`).toBeDefined()
      expect(result.summary?.problems, replay).toEqual([])
      expect(result.code, `${replay}: ${result.stderr}`).toBe(0)
      // The fuzzer must get past the decoder: many frames rejected by the room's checks, some taken.
      expect(result.summary?.rejected as number, replay).toBeGreaterThan(FRAMES_PER_WORKER / 4)
    }
    expect(results.reduce((n, r) => n + r.frames, 0)).toBeGreaterThanOrEqual(100_000)
  })
})
