/**
 * One part of the fault tier: seeded partition/kill/restart schedules with persisted
 * identities (see fault-schedule.ts). The parts share the schedules (seed mod PARTS) so the
 * test runner spreads them over the machine's cores. `GOSSAMER_FAULT_SCHEDULES` sets the total
 * (default 1,000); `GOSSAMER_FAULT_SEED=<seed>` replays one schedule (in part 1); a failure
 * prints its seed and steps.
 */
import { describe, expect, it } from 'vitest'
import { runSchedule } from './fault-schedule.js'

/** How many part files share the schedules. */
export const PARTS = 4

/** Declares part `part` (1..PARTS) of the fault tier. */
export function faultTierPart(part: number): void {
  const total = Number(process.env['GOSSAMER_FAULT_SCHEDULES'] ?? 1000)
  const steps = Number(process.env['GOSSAMER_FAULT_STEPS'] ?? 16)
  const replay = process.env['GOSSAMER_FAULT_SEED']
  const seeds =
    replay !== undefined
      ? part === 1
        ? [Number(replay)]
        : []
      : Array.from({ length: total }, (_, i) => i + 1).filter((seed) => seed % PARTS === part - 1)

  describe.skipIf(seeds.length === 0)(`fault tier part ${part}`, () => {
    it(`${seeds.length} schedules converge with every acknowledged edit and no identity growth`, async () => {
      const failed: string[] = []
      for (const seed of seeds) {
        const result = await runSchedule(seed, steps)
        if (result.problems.length > 0) {
          failed.push(`seed ${seed} (replay: GOSSAMER_FAULT_SEED=${seed} pnpm vitest run test/fault):\n  ${result.problems.join('\n  ')}\n  steps:\n    ${result.log.join('\n    ')}`)
          if (failed.length >= 3) break
        }
      }
      expect(failed, failed.join('\n\n')).toEqual([])
    }, 1_200_000)
  })
}
