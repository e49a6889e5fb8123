/**
 * Timing helpers of the crypto bench: run an async operation in batches for a fixed wall
 * time, and report operations per wall second and per CPU second (user + system time of the
 * whole process, so work on libuv's thread pool, where WebCrypto runs, counts too).
 */

/** Throughput of one measured loop. */
export interface Throughput {
  operations: number
  wallMs: number
  cpuMs: number
  perSecond: number
  perCpuSecond: number
}

/**
 * Calls `batch(n)` (which performs n operations, e.g. n parallel promises) repeatedly for
 * `durationMs` after `warmupMs` of unmeasured calls.
 */
export async function throughput(batch: (n: number) => Promise<void>, size: number, durationMs: number, warmupMs = durationMs / 4): Promise<Throughput> {
  const warmupEnd = performance.now() + warmupMs
  while (performance.now() < warmupEnd) await batch(size)
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
  return {
    operations,
    wallMs: round(wallMs),
    cpuMs: round(cpuMs),
    perSecond: Math.round((operations / wallMs) * 1000),
    perCpuSecond: Math.round((operations / cpuMs) * 1000),
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
