/**
 * One measured run, in its own process so heap figures of one run are not polluted by
 * the garbage of the previous one. `run.ts` forks this file, sends the options over IPC
 * and receives progress and the figures back.
 *
 * Besides `runSpread`'s own figures it records the exact reach curve: `runSpread` samples
 * reach every quarter round, which is too coarse for pushes that reach everyone in a few
 * hundred ms, so this file observes the documents of the simulation `runSpread` creates
 * (through a wrapper around `Simulation.create`) and records when each peer first got
 * the update.
 */
import { Simulation, runSpread, type SpreadOptions, type SpreadResult } from '@gossamer/testing'

/** The serialisable options of one run. */
export type MeasureOptions = Omit<SpreadOptions, 'onProgress'>

/** Figures of one run: runSpread's plus the exact reach curve and peak RSS. */
export interface Measured extends SpreadResult {
  /** Fraction of peers reached against virtual ms since the update, from every peer's first-update time (downsampled to ≤ 400 points). */
  reachCurve: [number, number][]
  /** Peak resident set size of the run's process. */
  maxRssMB: number
  /** CPU time (user + system) of the run, in ms: unlike wallMs, not inflated by other load on the machine. */
  cpuMs: number
}

export type MeasureMessage =
  | { type: 'progress'; ms: number; reached: number; alive: number }
  | { type: 'result'; result: Measured }
  | { type: 'error'; message: string }

/** Narrows an IPC message. */
export function isMeasureMessage(value: unknown): value is MeasureMessage {
  if (typeof value !== 'object' || value === null || !('type' in value)) return false
  const type: unknown = value.type
  return type === 'progress' || type === 'result' || type === 'error'
}

/** Peers' first-update times, observed on the simulation runSpread creates. */
class ReachObserver {
  #origin: number | null = null
  readonly #firsts = new Map<number, number>()
  #sim: Simulation | null = null

  attach(sim: Simulation): void {
    this.#sim = sim
    for (const peer of sim.peers) {
      const onUpdate = (): void => {
        const now = sim.clock.now()
        if (peer.index === 0) {
          this.#origin ??= now
          return
        }
        if (!this.#firsts.has(peer.index)) this.#firsts.set(peer.index, now)
      }
      peer.doc.on('update', onUpdate)
    }
  }

  /** [ms, fraction] points of the empirical reach curve, or null if the observation failed. */
  curve(result: SpreadResult): [number, number][] | null {
    const origin = this.#origin
    const sim = this.#sim
    if (origin === null || sim === null) return null
    const times = [...this.#firsts.values()].map((t) => t - origin)
    // Documents do not change before the update, so every first update must follow it.
    if (times.some((t) => t < 0)) return null
    times.sort((a, b) => a - b)
    const targets = result.peers - Math.floor(result.fail * result.peers) - 1
    if (targets <= 0) return [[0, 1]]
    // Must agree with runSpread's own count and convergence time.
    if (Math.abs(times.length / targets - result.deliveredFraction) > 1e-9) return null
    const last = times[times.length - 1]
    if (result.virtualMsToConverge !== null && last !== undefined && Math.abs(last - result.virtualMsToConverge) > 1e-6) return null
    const points: [number, number][] = [[0, 0]]
    const maxPoints = 400
    let lastFraction = -1
    times.forEach((t, i) => {
      const fraction = (i + 1) / targets
      const isLast = i === times.length - 1
      if (isLast || fraction - lastFraction >= 1 / maxPoints) {
        // A vertical step first, so the polyline follows the empirical distribution.
        const prev = points[points.length - 1]
        if (prev !== undefined && t - prev[0] > 1) points.push([round(t), prev[1]])
        points.push([round(t), fraction])
        lastFraction = fraction
      }
    })
    return points
  }
}

function cpuTotal(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}

/** Runs one spread experiment with reach observation. */
export async function measure(options: MeasureOptions, onProgress?: SpreadOptions['onProgress']): Promise<Measured> {
  const observer = new ReachObserver()
  const create = Simulation.create.bind(Simulation)
  Simulation.create = async (simOptions) => {
    const sim = await create(simOptions)
    observer.attach(sim)
    return sim
  }
  const cpuBefore = process.cpuUsage()
  try {
    const result = await runSpread({ ...options, ...(onProgress === undefined ? {} : { onProgress }) })
    return {
      ...result,
      reachCurve: observer.curve(result) ?? result.curve,
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuMs: Math.round(cpuTotal(process.cpuUsage(cpuBefore)) / 1000),
    }
  } finally {
    Simulation.create = create
  }
}

// Child-process entry: one request in, progress and one result out, then exit.
if (process.send !== undefined && process.env['GOSSAMER_BENCH_CHILD'] === '1') {
  const send = (message: MeasureMessage): Promise<void> =>
    new Promise((resolve) => {
      if (process.send === undefined) resolve()
      else process.send(message, undefined, {}, () => resolve())
    })
  process.once('message', (message: unknown) => {
    const options = message as MeasureOptions
    const gc = (globalThis as { gc?: () => void }).gc
    gc?.()
    let lastReport = 0
    measure(options, (ms, reached, alive) => {
      if (ms - lastReport < 250 && reached < alive) return
      lastReport = ms
      void send({ type: 'progress', ms, reached, alive })
    })
      .then((result) => send({ type: 'result', result }))
      .catch((error: unknown) => send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
      .finally(() => process.disconnect())
  })
}
