/**
 * Stepping a virtual clock round by round until something holds, for room tests on the
 * memory network.
 */
import type { VirtualClock } from '../../src/index.js'

/** Advances `clock` `roundMs` at a time, at most `rounds` times, until `predicate` holds; true if it did. */
export async function roundsUntil(clock: VirtualClock, roundMs: number, rounds: number, predicate: () => boolean): Promise<boolean> {
  for (let r = 0; r < rounds; r++) {
    if (predicate()) return true
    await clock.advance(roundMs)
  }
  return predicate()
}
