/**
 * Stepping a virtual clock round by round until something holds, for room tests on the
 * memory network.
 */
import type { VirtualClock } from '../../src/index.js'

/**
 * Advances `clock` `roundMs` at a time, at most `rounds` times, until `predicate` holds; true
 * if it did. With `realMs`, each step is followed by a real turn of the event loop that long:
 * rooms with a secret sign, verify and seal on the platform's crypto in real time, and a
 * virtual clock racing ahead of it would time out handshakes and grace periods that a real
 * clock would not.
 */
export async function roundsUntil(clock: VirtualClock, roundMs: number, rounds: number, predicate: () => boolean, options: { realMs?: number } = {}): Promise<boolean> {
  for (let r = 0; r < rounds; r++) {
    if (predicate()) return true
    await clock.advance(roundMs)
    if (options.realMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.realMs))
  }
  return predicate()
}
