/**
 * Timing helpers of the crypto bench: run an async operation in batches for a fixed wall
 * time, and report operations per wall second and per CPU second (user + system time of the
 * whole process, so work on libuv's thread pool, where WebCrypto runs, counts too).
 */

/** Throughput of one measured loop: the best of its rounds, and the medians. */
export interface Throughput {
  rounds: number
  operations: number
  wallMs: number
  cpuMs: number
  /** Best round, operations per wall second. */
  perSecond: number
  /** Best round, operations per CPU second. */
  perCpuSecond: number
  medianPerSecond: number
  medianPerCpuSecond: number
}

async function round1(batch: (n: number) => Promise<void>, size: number, durationMs: number) {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let operations = 0
  while (performance.now() - t0 < durationMs) {
    await batch(size)
    operations += size
  }
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const cpuMs = (cpu.user + cpu.system) / 1000
  return { operations, wallMs, cpuMs, perSecond: (operations / wallMs) * 1000, perCpuSecond: (operations / cpuMs) * 1000 }
}

/**
 * Calls `batch(n)` (which performs n operations, e.g. n parallel promises) repeatedly for
 * `durationMs`, `rounds` times, after `durationMs / 4` of unmeasured calls. The machine is
 * shared, so the best round is the figure least disturbed by other work; the medians are
 * reported beside it.
 */
export async function throughput(batch: (n: number) => Promise<void>, size: number, durationMs: number, rounds = 3): Promise<Throughput> {
  const warmupEnd = performance.now() + durationMs / 4
  while (performance.now() < warmupEnd) await batch(size)
  const results = []
  for (let i = 0; i < rounds; i++) results.push(await round1(batch, size, durationMs))
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
  const best = results.reduce((a, b) => (b.perSecond > a.perSecond ? b : a))
  return {
    rounds,
    operations: best.operations,
    wallMs: round(best.wallMs),
    cpuMs: round(best.cpuMs),
    perSecond: Math.round(best.perSecond),
    perCpuSecond: Math.round(Math.max(...results.map((r) => r.perCpuSecond))),
    medianPerSecond: Math.round(median(results.map((r) => r.perSecond))),
    medianPerCpuSecond: Math.round(median(results.map((r) => r.perCpuSecond))),
  }
}

/** Median, min and max wall time of `runs` calls of `fn` (after one warm-up call unless `warmup` is false). */
export async function timings(fn: () => Promise<unknown>, runs: number, warmup = true): Promise<{ runs: number; medianMs: number; minMs: number; maxMs: number }> {
  if (warmup) await fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return { runs, medianMs: round(times[Math.floor(times.length / 2)] ?? NaN), minMs: round(times[0] ?? NaN), maxMs: round(times[times.length - 1] ?? NaN) }
}

/** `x` to 3 decimals. */
export function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
