/**
 * The fault tier, part 2 of 4: seeded partition/kill/restart schedules with persisted
 * identities (see fault-schedule.ts). The four parts share the schedules so the test runner
 * spreads them over the machine's cores. `GOSSAMER_FAULT_SCHEDULES` sets the total (default
 * 1,000); `GOSSAMER_FAULT_SEED=<seed>` replays one schedule; a failure prints its seed and steps.
 */
import { describe, expect, it } from 'vitest'
import { runSchedule } from './fault-schedule.js'

const TOTAL = Number(process.env['GOSSAMER_FAULT_SCHEDULES'] ?? 1000)
const STEPS = Number(process.env['GOSSAMER_FAULT_STEPS'] ?? 16)
const PART: number = 2
const seeds =
  process.env['GOSSAMER_FAULT_SEED'] !== undefined
    ? PART === 1
      ? [Number(process.env['GOSSAMER_FAULT_SEED'])]
      : []
    : Array.from({ length: TOTAL }, (_, i) => i + 1).filter((seed) => seed % 4 === PART - 1)

describe.skipIf(seeds.length === 0)('fault tier part 2', () => {
  it(`${seeds.length} schedules converge with every acknowledged edit and no identity growth`, async () => {
    const failed: string[] = []
    for (const seed of seeds) {
      const result = await runSchedule(seed, STEPS)
      if (result.problems.length > 0) {
        failed.push(`seed ${seed} (replay: GOSSAMER_FAULT_SEED=${seed} pnpm vitest run test/fault):\n  ${result.problems.join('\n  ')}\n  steps:\n    ${result.log.join('\n    ')}`)
        if (failed.length >= 3) break
      }
    }
    expect(failed, failed.join('\n\n')).toEqual([])
  }, 1_200_000)
})
