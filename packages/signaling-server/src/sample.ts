/**
 * Bounded uniform random sampling, in time proportional to the sample size rather than
 * to the population.
 */

/** A source of uniformly distributed numbers in [0, 1). */
export type RandomFn = () => number

/**
 * Returns `min(k, n)` distinct indices of `[0, n)`, uniformly at random and in random
 * order (a partial Fisher–Yates shuffle over a sparse swap map: O(k) time and memory).
 * Out-of-range values from `random` are clamped, so a faulty source cannot break it.
 */
export function sampleIndices(n: number, k: number, random: RandomFn): number[] {
  const count = Math.max(0, Math.min(k, n))
  const swapped = new Map<number, number>()
  const out: number[] = []
  for (let i = 0; i < count; i++) {
    const j = i + randomInt(n - i, random)
    const atJ = swapped.get(j) ?? j
    const atI = swapped.get(i) ?? i
    swapped.set(j, atI)
    out.push(atJ)
  }
  return out
}

/**
 * Picks up to `k` distinct items of `items`, uniformly at random, never the item at
 * `excludeIndex` (pass -1 to exclude nothing).
 */
export function sampleExcluding<T>(items: readonly T[], excludeIndex: number, k: number, random: RandomFn): T[] {
  const excluding = excludeIndex >= 0 && excludeIndex < items.length
  const n = excluding ? items.length - 1 : items.length
  return sampleIndices(n, k, random).map((p) => items[excluding && p >= excludeIndex ? p + 1 : p] as T)
}

/** A uniform integer in `[0, m)` for `m >= 1`. */
export function randomInt(m: number, random: RandomFn): number {
  const r = random()
  const safe = r >= 0 && r < 1 ? r : 0
  return Math.min(m - 1, Math.floor(safe * m))
}

/** The default random source: 32 bits from the platform CSPRNG per call. */
export function cryptoRandom(): number {
  const word = new Uint32Array(1)
  globalThis.crypto.getRandomValues(word)
  return (word[0] ?? 0) / 4294967296
}
