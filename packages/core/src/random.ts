/**
 * Randomness reaches the engine only through a {@link RandomSource}, so every simulated
 * run replays from its seed.
 */

/** A source of uniformly distributed numbers in [0, 1). */
export interface RandomSource {
  next(): number
}

/**
 * A seeded PRNG (sfc32 seeded through splitmix32). Deterministic for a given seed:
 * use it in tests and simulations.
 */
export function seededRandom(seed: number): RandomSource {
  let s = seed >>> 0
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = splitmix()
  let b = splitmix()
  let c = splitmix()
  let d = splitmix()
  return {
    next() {
      const t = (((a + b) >>> 0) + d) >>> 0
      d = (d + 1) >>> 0
      a = b ^ (b >>> 9)
      b = (c + (c << 3)) >>> 0
      c = (c << 21) | (c >>> 11)
      c = (c + t) >>> 0
      return t / 4294967296
    },
  }
}

/** The default source: the platform's cryptographic generator. */
export function systemRandom(): RandomSource {
  const buffer = new Uint32Array(64)
  let index = buffer.length
  return {
    next() {
      if (index >= buffer.length) {
        globalThis.crypto.getRandomValues(buffer)
        index = 0
      }
      return (buffer[index++] as number) / 4294967296
    },
  }
}

/** An integer in [0, n). */
export function randomInt(random: RandomSource, n: number): number {
  return Math.floor(random.next() * n)
}

/** A uniformly chosen element of `items`, or undefined when empty. */
export function pick<T>(random: RandomSource, items: readonly T[]): T | undefined {
  if (items.length === 0) return undefined
  return items[randomInt(random, items.length)]
}

/** Up to `k` distinct elements of `items`, uniformly chosen (partial Fisher–Yates). */
export function sample<T>(random: RandomSource, items: readonly T[], k: number): T[] {
  const copy = items.slice()
  const n = Math.min(k, copy.length)
  for (let i = 0; i < n; i++) {
    const j = i + randomInt(random, copy.length - i)
    const tmp = copy[i] as T
    copy[i] = copy[j] as T
    copy[j] = tmp
  }
  copy.length = n
  return copy
}

/** A random peer id: 16 lowercase hex characters (64 bits). */
export function randomPeerId(random: RandomSource): string {
  let id = ''
  for (let i = 0; i < 4; i++) {
    id += Math.floor(random.next() * 0x10000)
      .toString(16)
      .padStart(4, '0')
  }
  return id
}
