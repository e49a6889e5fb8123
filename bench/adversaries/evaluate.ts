/**
 * The adversaries bench's figures per adversary (over every seed) and its targets, from
 * the runs of run.ts. Every target takes the worst seed.
 */
import { round, type RunFigures } from './measure.js'
import type { AdversaryEntry } from './table.js'

/** The runs of one seed: the baseline and one run per adversary. */
export interface SeedRuns {
  seed: number
  baseline: RunFigures
  attacks: RunFigures[]
}

/** One target, as every bench JSON holds them. */
export interface Target {
  description: string
  target: string
  measured: string
  met: boolean
}

/** Figures of one adversary over every seed (worst seed each, unless said). */
export interface AdversarySummary {
  adversary: string
  /** Largest p50 and p99 over seeds, without and with the adversary. */
  p50Without: number | null
  p50With: number | null
  p99Without: number | null
  p99With: number | null
  /** Largest p99 ratio (with ÷ without, same seed). */
  p99Ratio: number | null
  /** The largest p99 ratio for the edits made from one second into the attack on (without the joins' transient). */
  p99LaterRatio: number | null
  /** Edit deliveries of the attack window still missing at the end, over seeds. */
  missing: number
  /** Largest virtual ms until every attacked peer cut it off (null: some never did). */
  cutOffMs: number | null
  hostileFrames: number
  hostileMaxFrameMs: number | null
  hostileP99FrameMs: number | null
  hostileMaxFrameWallMs: number | null
  /** Largest honest frame in the baseline, for comparison. */
  baselineMaxFrameMs: number | null
  amplification: number | null
  amplificationByAttackEnd: number | null
  /** Largest out ÷ in of hostile presence bytes at one honest peer (see `presence.worstPeer`). */
  perPeerAmplification: number | null
  /** Slowest newcomer to hold every honest peer's presence, during and after (null: one never did). */
  newcomerDuringMs: number | null
  newcomerAfterMs: number | null
  /** Most hostile states a newcomer held. */
  newcomerHostileStates: number
  minHonestNeighbours: number
  victimDelivered: number
  convergeAfterMs: number | null
}

const maxOf = (values: (number | null)[]): number | null => (values.some((v) => v === null) || values.length === 0 ? null : Math.max(...(values as number[])))
const maxKnown = (values: (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null)
  return known.length === 0 ? null : Math.max(...known)
}

/** Summarises `name` over the seeds. */
export function summarise(name: string, seeds: readonly SeedRuns[]): AdversarySummary {
  const pairs = seeds.map((s) => ({ base: s.baseline, run: s.attacks.find((a) => a.adversary === name) as RunFigures }))
  const ratios = pairs.map(({ base, run }) => (base.latency.p99 === null || run.latency.p99 === null ? null : run.latency.p99 / base.latency.p99))
  const laterRatios = pairs.map(({ base, run }) => (base.latencyLater.p99 === null || run.latencyLater.p99 === null ? null : run.latencyLater.p99 / base.latencyLater.p99))
  const runs = pairs.map((p) => p.run)
  const amplification = (by: (r: RunFigures) => number): number | null => {
    const sent = runs.reduce((sum, r) => sum + r.presence.hostileBytesSent, 0)
    return sent === 0 ? null : maxKnown(runs.map((r) => (r.presence.hostileBytesSent === 0 ? null : by(r) / r.presence.hostileBytesSent)))
  }
  const amp = amplification((r) => r.presence.hostileBytesForwarded)
  const ampEnd = amplification((r) => r.presence.hostileBytesForwardedByAttackEnd)
  return {
    adversary: name,
    p50Without: maxOf(pairs.map((p) => p.base.latency.p50)),
    p50With: maxOf(runs.map((r) => r.latency.p50)),
    p99Without: maxOf(pairs.map((p) => p.base.latency.p99)),
    p99With: maxOf(runs.map((r) => r.latency.p99)),
    p99Ratio: ratios.some((r) => r === null) ? null : round(Math.max(...(ratios as number[])), 3),
    p99LaterRatio: laterRatios.some((r) => r === null) ? null : round(Math.max(...(laterRatios as number[])), 3),
    missing: runs.reduce((sum, r) => sum + r.latency.missing, 0),
    cutOffMs: maxOf(runs.map((r) => r.cutOffMs)),
    hostileFrames: runs.reduce((sum, r) => sum + r.frameCost.hostileFrames, 0),
    hostileMaxFrameMs: maxKnown(runs.map((r) => r.frameCost.hostileMaxMs)),
    hostileP99FrameMs: maxKnown(runs.map((r) => r.frameCost.hostileP99Ms)),
    hostileMaxFrameWallMs: maxKnown(runs.map((r) => r.frameCost.hostileMaxWallMs)),
    baselineMaxFrameMs: maxKnown(pairs.map((p) => p.base.frameCost.honestMaxMs)),
    amplification: amp === null ? null : round(amp, 3),
    amplificationByAttackEnd: ampEnd === null ? null : round(ampEnd, 3),
    perPeerAmplification: maxKnown(runs.map((r) => r.presence.worstPeer?.ratio ?? null)),
    newcomerDuringMs: maxOf(runs.map((r) => r.presence.during.sawHonestMs)),
    newcomerAfterMs: maxOf(runs.map((r) => r.presence.after.sawHonestMs)),
    newcomerHostileStates: Math.max(...runs.flatMap((r) => [r.presence.during.hostileStates, r.presence.after.hostileStates])),
    minHonestNeighbours: Math.min(...runs.map((r) => r.eclipse.minHonestNeighbours)),
    victimDelivered: Math.min(...runs.map((r) => r.eclipse.victimDelivered)),
    convergeAfterMs: maxOf(runs.map((r) => r.eclipse.convergeAfterMs)),
  }
}

const ms = (v: number | null): string => (v === null ? 'never' : `${v.toFixed(0)} ms`)

/** The targets of `entry`, from its summary. `roundMs` is one anti-entropy round; a newcomer is given `settleMs`. */
export function targetsOf(entry: AdversaryEntry, s: AdversarySummary, seeds: number, { roundMs, settleMs }: { roundMs: number; settleMs: number }): Target[] {
  const of = `${entry.name}`
  const over = seeds > 1 ? `, worst of ${seeds} seeds` : ''
  const out: Target[] = []
  for (const kind of entry.targets) {
    if (kind === 'latency') {
      out.push({
        description: `${of}: honest edit-to-visible latency p99 under it`,
        target: '≤ 2 × the same room without it',
        measured: `${s.p99Ratio ?? 'n/a'}× (p99 ${ms(s.p99With)} against ${ms(s.p99Without)}${over}; ${s.p99LaterRatio ?? 'n/a'}× from 1 s into the attack on; ${s.missing} deliveries missing)`,
        met: s.p99Ratio !== null && s.p99Ratio <= 2 && s.missing === 0,
      })
    } else if (kind === 'cutoff') {
      out.push({
        description: `${of}: cut off by every attacked honest peer`,
        target: '≤ 5 s after the attack starts',
        measured: s.cutOffMs === null ? 'not cut off' : `${(s.cutOffMs / 1000).toFixed(2)} s${over}`,
        met: s.cutOffMs !== null && s.cutOffMs <= 5000,
      })
    } else if (kind === 'frameCost') {
      out.push({
        description: `${of}: CPU an honest peer spends on one hostile frame`,
        target: '≤ 100 ms',
        measured: s.hostileMaxFrameMs === null ? 'no hostile frame handled' : `max ${s.hostileMaxFrameMs} ms, p99 ${s.hostileP99FrameMs} ms over ${s.hostileFrames} frames (largest honest frame without it: ${s.baselineMaxFrameMs} ms)`,
        met: s.hostileMaxFrameMs !== null && s.hostileMaxFrameMs <= 100,
      })
    } else if (kind === 'presence') {
      out.push({
        description: `${of}: hostile presence bytes honest peers send ÷ hostile bytes sent`,
        target: '≤ 1.5',
        measured: `${s.amplification ?? 'n/a'} (${s.amplificationByAttackEnd ?? 'n/a'} by the attack's end${over}; one honest peer sent at most ${s.perPeerAmplification ?? 'n/a'} × the hostile presence bytes it received)`,
        met: s.amplification !== null && s.amplification <= 1.5,
      })
      out.push({
        description: `${of}: a newcomer joining during and after the attack receives every honest peer's presence`,
        target: `always (given ${settleMs} ms)`,
        measured: `during: ${ms(s.newcomerDuringMs)}, after: ${ms(s.newcomerAfterMs)}; it also held up to ${s.newcomerHostileStates} hostile states`,
        met: s.newcomerDuringMs !== null && s.newcomerAfterMs !== null,
      })
    } else {
      out.push({
        description: `${of}: the victim's honest neighbours during the attack`,
        target: '≥ 2 at all times',
        measured: `at least ${s.minHonestNeighbours}${over}`,
        met: s.minHonestNeighbours >= 2,
      })
      out.push({
        description: `${of}: honest edits the victim receives during the attack`,
        target: '≥ 99%',
        measured: `${(s.victimDelivered * 100).toFixed(1)}%${over}`,
        met: s.victimDelivered >= 0.99,
      })
      out.push({
        description: `${of}: convergence once the attack stops`,
        target: `within one anti-entropy round (${roundMs} ms)`,
        measured: ms(s.convergeAfterMs),
        met: s.convergeAfterMs !== null && s.convergeAfterMs <= roundMs,
      })
    }
  }
  return out
}
