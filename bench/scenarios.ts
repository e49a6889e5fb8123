/**
 * The bench scenarios: which runs each one makes, the figures and plots it writes, the
 * targets it checks and the markdown table it contributes to `results/SUMMARY.md`.
 */
import type { Measured, MeasureOptions } from './measure.js'
import { lineChart, PALETTE, type Series } from './svg.js'

/** One run of a scenario. */
export interface RunSpec {
  label: string
  options: MeasureOptions
}

/** A run and its figures. */
export interface RunOutcome {
  spec: RunSpec
  result: Measured
}

/** A target of DESIGN/README, checked against a run. `met` is null when not measured (e.g. `--quick`). */
export interface Target {
  description: string
  target: string
  measured: string | null
  met: boolean | null
}

/** A figures record of one run as written to JSON (numbers tidied, curves optional). */
export type RunRecord = Omit<Measured, 'curve' | 'reachCurve'> & {
  curve?: [number, number][]
  reachCurve?: [number, number][]
}

/** What a scenario writes: `results/<name>.json` holds `{ scenario, description, date, versions, quick, parameters, ...figures, targets }`. */
export interface ScenarioOutput {
  figures: { runs: RunRecord[] } & Record<string, unknown>
  targets: Target[]
  plots: { file: string; svg: string }[]
}

/** The JSON file of a scenario. */
export interface ScenarioFile extends Record<string, unknown> {
  scenario: string
  description: string
  date: string
  quick: boolean
  versions: Record<string, string | number>
  parameters: Record<string, unknown>
  runs: RunRecord[]
  targets: Target[]
}

export interface Scenario {
  name: string
  description: string
  parameters: Record<string, unknown>
  runs(quick: boolean): RunSpec[]
  finish(outcomes: RunOutcome[], quick: boolean): ScenarioOutput
  markdown(file: ScenarioFile): string
}

/** Room defaults the scenarios rely on (the engine's defaults, restated for the record). */
const ROUND_MS = 1000
const MAX_NEIGHBOURS = 6
const LATENCY = { min: 25, max: 75 }
const COMMON = {
  latency: LATENCY,
  roundMs: ROUND_MS,
  maxNeighbours: MAX_NEIGHBOURS,
  warmupRounds: 10,
  idleRounds: 5,
  maxRounds: 60,
}

function spreadOptions(peers: number, loss: number, seed: number, push: boolean, warmupUpdates = 0, presence = false): MeasureOptions {
  return {
    peers,
    seed,
    loss,
    latency: LATENCY,
    room: { push, presence, roundMs: ROUND_MS, maxNeighbours: MAX_NEIGHBOURS },
    warmupRounds: COMMON.warmupRounds,
    warmupUpdates,
    idleRounds: COMMON.idleRounds,
    maxRounds: COMMON.maxRounds,
  }
}

// ---------------------------------------------------------------------------------------
// Formatting helpers.

/** Rounds floats to 4 decimals so the JSON stays readable; integers are kept. */
function tidy(value: number): number {
  return Number.isInteger(value) ? value : Math.round(value * 1e4) / 1e4
}

function record(result: Measured, withCurves: boolean): RunRecord {
  const { curve, reachCurve, ...figures } = result
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(figures)) out[key] = typeof value === 'number' ? tidy(value) : value
  const tidied = out as RunRecord
  const points = (c: [number, number][]): [number, number][] => c.map(([ms, f]) => [Math.round(ms * 10) / 10, Math.round(f * 1e5) / 1e5])
  return withCurves ? { ...tidied, curve: points(curve), reachCurve: points(reachCurve) } : tidied
}

function pct(loss: number): string {
  return `${Math.round(loss * 1000) / 10}%`
}

function n(value: number): string {
  return value.toLocaleString('en-US')
}

function fmt(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return '—'
  return Number.isInteger(value) ? n(value) : value.toFixed(digits)
}

/** A fraction such as the delivered fraction, with 4 decimals. */
function frac(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(4)
}

function table(head: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const sep = head.map((_, i) => ((align?.[i] ?? 'r') === 'l' ? ':--' : '--:'))
  return [head, sep, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n')
}

function targetsTable(targets: Target[]): string {
  return table(
    ['target', 'goal', 'measured', 'met'],
    targets.map((t) => [t.description, t.target, t.measured ?? 'not measured', t.met === null ? '—' : t.met ? 'yes' : '**NO**']),
    ['l', 'l', 'l', 'l'],
  )
}

function find(outcomes: RunOutcome[], peers: number, loss: number, push = true): Measured | undefined {
  return outcomes.find((o) => o.result.peers === peers && o.result.loss === loss && o.result.push === push)?.result
}

function stats(values: (number | null)[]): { min: number | null; median: number | null; max: number | null } {
  // null (never converged) sorts last, as +∞.
  const sorted = [...values].sort((a, b) => (a ?? Infinity) - (b ?? Infinity))
  return {
    min: sorted[0] ?? null,
    median: sorted.length === 0 ? null : (sorted[Math.floor((sorted.length - 1) / 2)] ?? null),
    max: sorted[sorted.length - 1] ?? null,
  }
}

/** Common targets that apply to every run of a scenario. */
function idleTarget(outcomes: RunOutcome[]): Target {
  const worst = Math.max(...outcomes.map((o) => o.result.idleBytesPerPeerPerRound))
  const at = outcomes.find((o) => o.result.idleBytesPerPeerPerRound === worst)?.spec.label ?? ''
  return {
    description: 'idle cost, every run',
    target: '≤ 100 bytes per peer per round',
    measured: `max ${worst.toFixed(1)} B (${at})`,
    met: worst <= 100,
  }
}

function redundancyTarget(outcomes: RunOutcome[]): Target {
  const pushed = outcomes.filter((o) => o.result.push)
  const worst = Math.max(...pushed.map((o) => o.result.redundancy))
  const at = pushed.find((o) => o.result.redundancy === worst)?.spec.label ?? ''
  return {
    description: 'redundancy, every push run',
    target: `≤ maxNeighbours − 1 (= ${MAX_NEIGHBOURS - 1})`,
    measured: `max ${worst.toFixed(2)} (${at})`,
    met: worst <= MAX_NEIGHBOURS - 1,
  }
}

const NOT_MEASURED = { measured: null, met: null }

// ---------------------------------------------------------------------------------------
// spread

const ZOOM_MS = 1500

function colorFor(peers: number, all: number[]): string {
  const index = [...new Set(all)].sort((a, b) => a - b).indexOf(peers)
  return PALETTE[Math.max(0, index) % PALETTE.length] ?? '#000'
}

function reachSeries(outcomes: RunOutcome[], xScale: number): Series[] {
  const all = outcomes.map((o) => o.result.peers)
  return outcomes.map(({ result }) => ({
    name: `N=${n(result.peers)}, loss ${pct(result.loss)}`,
    points: result.reachCurve.map(([ms, f]) => [ms / xScale, f] as const),
    color: colorFor(result.peers, all),
    ...(result.loss > 0 ? { dash: '7 4' } : {}),
  }))
}

export const spread: Scenario = {
  name: 'spread',
  description:
    'One update made at peer 0 spreads by push (plus anti-entropy) across N peers; measures reach, hops, rounds, ' +
    'virtual time, redundancy, traffic (idle and busy), wall time and memory.',
  parameters: { ...COMMON, seed: 1, push: true, peers: [100, 1000, 10000], loss: [0, 0.05], quickPeers: [100, 300] },
  runs(quick) {
    const sizes = quick ? [100, 300] : [100, 1000, 10000]
    return sizes.flatMap((peers) => [0, 0.05].map((loss) => ({ label: `N=${n(peers)} loss ${pct(loss)}`, options: spreadOptions(peers, loss, 1, true) })))
  },
  finish(outcomes) {
    const series = reachSeries(outcomes, 1)
    // With 0% loss every curve ends within a round; lost pushes are repaired by later
    // anti-entropy rounds. If such a tail would squeeze the push phase into a sliver,
    // the plot shows the first ZOOM_MS and the subtitle gives the last delivery time
    // (exact times are in the JSON and the table).
    const lastMs = Math.max(...outcomes.map((o) => o.result.reachCurve.at(-1)?.[0] ?? 0))
    const clipped = lastMs > 2 * ZOOM_MS
    const plots = [
      {
        file: 'spread-reach.svg',
        svg: lineChart(series, {
          title: 'Spread of one update: fraction of peers reached',
          subtitle:
            `push + anti-entropy, latency 50 ± 25 ms, round ${ROUND_MS} ms, maxNeighbours ${MAX_NEIGHBOURS}, seed 1` +
            (clipped ? `; zoomed to ${fmt(ZOOM_MS)} ms, last delivery at ${fmt(lastMs, 0)} ms` : ''),
          xLabel: 'virtual time since the update (ms)',
          yLabel: 'fraction of peers reached',
          yMin: 0,
          yMax: 1,
          xMin: 0,
          ...(clipped ? { xMax: ZOOM_MS } : {}),
          legendTitle: 'peers, frame loss',
          formatY: (v) => v.toFixed(1),
        }),
      },
    ]
    const r1000 = find(outcomes, 1000, 0)
    const r1000l = find(outcomes, 1000, 0.05)
    const big = outcomes.filter((o) => o.result.peers === 10000)
    const targets: Target[] = [
      {
        description: 'N=1,000, 0% loss: delivered fraction',
        target: '1.0',
        ...(r1000 === undefined ? NOT_MEASURED : { measured: frac(r1000.deliveredFraction), met: r1000.deliveredFraction === 1 }),
      },
      {
        description: 'N=1,000, 0% loss: hops to 99.9% (push)',
        target: '≤ 8',
        ...(r1000 === undefined ? NOT_MEASURED : { measured: String(r1000.hopsTo999), met: r1000.hopsTo999 <= 8 }),
      },
      {
        description: 'N=1,000, 5% loss: delivered 1.0, rounds to converge',
        target: '1.0 within ≤ 20 rounds',
        ...(r1000l === undefined
          ? NOT_MEASURED
          : {
              measured: `${frac(r1000l.deliveredFraction)} in ${fmt(r1000l.roundsToConverge)} rounds`,
              met: r1000l.deliveredFraction === 1 && r1000l.roundsToConverge !== null && r1000l.roundsToConverge <= 20,
            }),
      },
      ...(big.length === 0
        ? [{ description: 'N=10,000 completes: wall time and heap', target: '≤ 120 s wall, heap ≤ 4 GB', ...NOT_MEASURED }]
        : big.map(({ spec, result }) => ({
            description: `N=10,000 completes (${spec.label}): wall time and heap`,
            target: '≤ 120 s wall, heap ≤ 4 GB',
            measured: `delivered ${frac(result.deliveredFraction)}, ${fmt(result.wallMs / 1000, 1)} s wall (${fmt(result.cpuMs / 1000, 1)} s CPU), heap ${result.heapMB} MB (peak RSS ${result.maxRssMB} MB)`,
            met: result.deliveredFraction === 1 && result.wallMs <= 120_000 && result.heapMB <= 4096,
          }))),
      idleTarget(outcomes),
      redundancyTarget(outcomes),
    ]
    return { figures: { runs: outcomes.map((o) => record(o.result, true)) }, targets, plots }
  },
  markdown(file) {
    const rows = file.runs.map((r) => [
      n(r.peers),
      pct(r.loss),
      frac(r.deliveredFraction),
      fmt(r.hopsTo999),
      fmt(r.lastDeliveryHop),
      fmt(r.roundsTo999),
      fmt(r.roundsToConverge),
      fmt(r.virtualMsTo999, 0),
      fmt(r.virtualMsToConverge, 0),
      fmt(r.redundancy),
      fmt(r.copiesPerPeer),
      fmt(r.idleMessagesPerPeerPerRound),
      fmt(r.idleBytesPerPeerPerRound, 1),
      fmt(r.messagesPerPeerPerRound),
      fmt(r.bytesPerPeerPerRound, 1),
      fmt(r.wallMs / 1000, 1),
      r.cpuMs === undefined ? '—' : fmt(r.cpuMs / 1000, 1),
      fmt(r.heapMB),
      fmt(r.memoryPerPeerKB, 1),
    ])
    return table(
      ['N', 'loss', 'delivered', 'hops 99.9%', 'hops 100%', 'rounds 99.9%', 'rounds 100%', 'ms 99.9%', 'ms 100%', 'redundancy',
        'copies/peer', 'idle msg/peer/rd', 'idle B/peer/rd', 'busy msg/peer/rd', 'busy B/peer/rd', 'wall s', 'CPU s', 'heap MB', 'KB/peer'],
      rows,
    )
  },
}

// ---------------------------------------------------------------------------------------
// anti-entropy

export const antiEntropy: Scenario = {
  name: 'anti-entropy',
  description:
    'Same as spread but with push off (room.push = false): the update travels by periodic anti-entropy alone; ' +
    'measures rounds to converge.',
  parameters: { ...COMMON, seed: 1, push: false, runs: [[100, 0], [1000, 0], [1000, 0.05]], quickRuns: [[100, 0], [200, 0], [200, 0.05]] },
  runs(quick) {
    const runs: [number, number][] = quick ? [[100, 0], [200, 0], [200, 0.05]] : [[100, 0], [1000, 0], [1000, 0.05]]
    return runs.map(([peers, loss]) => ({ label: `N=${n(peers)} loss ${pct(loss)} push off`, options: spreadOptions(peers, loss, 1, false) }))
  },
  finish(outcomes) {
    const plots = [
      {
        file: 'anti-entropy-reach.svg',
        svg: lineChart(reachSeries(outcomes, ROUND_MS), {
          title: 'Anti-entropy alone (push off): fraction of peers reached',
          subtitle: `latency 50 ± 25 ms, round ${ROUND_MS} ms, maxNeighbours ${MAX_NEIGHBOURS}, seed 1`,
          xLabel: 'rounds since the update',
          yLabel: 'fraction of peers reached',
          yMin: 0,
          yMax: 1,
          xMin: 0,
          legendTitle: 'peers, frame loss',
          formatY: (v) => v.toFixed(1),
        }),
      },
    ]
    const r1000 = find(outcomes, 1000, 0, false)
    const r1000l = find(outcomes, 1000, 0.05, false)
    const targets: Target[] = [
      {
        description: 'N=1,000, 0% loss, anti-entropy alone: rounds to converge',
        target: '≤ 14',
        ...(r1000 === undefined
          ? NOT_MEASURED
          : { measured: fmt(r1000.roundsToConverge), met: r1000.roundsToConverge !== null && r1000.roundsToConverge <= 14 }),
      },
      {
        description: 'N=1,000, 5% loss, anti-entropy alone: delivered, rounds to converge',
        target: '1.0 within ≤ 20 rounds',
        ...(r1000l === undefined
          ? NOT_MEASURED
          : {
              measured: `${frac(r1000l.deliveredFraction)} in ${fmt(r1000l.roundsToConverge)} rounds`,
              met: r1000l.deliveredFraction === 1 && r1000l.roundsToConverge !== null && r1000l.roundsToConverge <= 20,
            }),
      },
      idleTarget(outcomes),
    ]
    return { figures: { runs: outcomes.map((o) => record(o.result, true)) }, targets, plots }
  },
  markdown(file) {
    return table(
      ['N', 'loss', 'delivered', 'rounds 99.9%', 'rounds 100%', 'ms 99.9%', 'ms 100%', 'idle B/peer/rd', 'busy msg/peer/rd', 'busy B/peer/rd', 'wall s', 'CPU s', 'heap MB'],
      file.runs.map((r) => [
        n(r.peers),
        pct(r.loss),
        frac(r.deliveredFraction),
        fmt(r.roundsTo999),
        fmt(r.roundsToConverge),
        fmt(r.virtualMsTo999, 0),
        fmt(r.virtualMsToConverge, 0),
        fmt(r.idleBytesPerPeerPerRound, 1),
        fmt(r.messagesPerPeerPerRound),
        fmt(r.bytesPerPeerPerRound, 1),
        fmt(r.wallMs / 1000, 1),
        r.cpuMs === undefined ? '—' : fmt(r.cpuMs / 1000, 1),
        fmt(r.heapMB),
      ]),
    )
  },
}

// ---------------------------------------------------------------------------------------
// seeds

interface Spread3 {
  min: number | null
  median: number | null
  max: number | null
}

export const seeds: Scenario = {
  name: 'seeds',
  description:
    'N=1,000, 0% loss, seeds 1..5 with push and 1..5 without: min/median/max of hops to 99.9%, rounds to converge ' +
    '(push off) and redundancy, to show the figures are not a lucky seed.',
  parameters: { ...COMMON, peers: 1000, loss: 0, seeds: [1, 2, 3, 4, 5], quickPeers: 100, quickSeeds: [1, 2, 3] },
  runs(quick) {
    const peers = quick ? 100 : 1000
    const list = quick ? [1, 2, 3] : [1, 2, 3, 4, 5]
    return [true, false].flatMap((push) =>
      list.map((seed) => ({ label: `N=${n(peers)} seed ${seed} push ${push ? 'on' : 'off'}`, options: spreadOptions(peers, 0, seed, push) })),
    )
  },
  finish(outcomes, quick) {
    const on = outcomes.filter((o) => o.result.push).map((o) => o.result)
    const off = outcomes.filter((o) => !o.result.push).map((o) => o.result)
    const summary = {
      hopsTo999: stats(on.map((r) => r.hopsTo999)),
      lastDeliveryHop: stats(on.map((r) => r.lastDeliveryHop)),
      redundancy: stats(on.map((r) => tidy(r.redundancy))),
      roundsToConvergePush: stats(on.map((r) => r.roundsToConverge)),
      roundsToConvergeNoPush: stats(off.map((r) => r.roundsToConverge)),
      deliveredFraction: stats(outcomes.map((o) => o.result.deliveredFraction)),
      idleBytesPerPeerPerRound: stats(outcomes.map((o) => tidy(o.result.idleBytesPerPeerPerRound))),
    }
    const targets: Target[] = quick
      ? []
      : [
          {
            description: 'N=1,000, 0% loss, every seed: hops to 99.9% (push)',
            target: '≤ 8',
            measured: `max ${fmt(summary.hopsTo999.max)}`,
            met: summary.hopsTo999.max !== null && summary.hopsTo999.max <= 8,
          },
          {
            description: 'N=1,000, 0% loss, every seed: anti-entropy alone, rounds to converge',
            target: '≤ 14',
            measured: `max ${fmt(summary.roundsToConvergeNoPush.max)}`,
            met: summary.roundsToConvergeNoPush.max !== null && summary.roundsToConvergeNoPush.max <= 14,
          },
          redundancyTarget(outcomes),
        ]
    targets.push(idleTarget(outcomes))
    return { figures: { summary, runs: outcomes.map((o) => record(o.result, false)) }, targets, plots: [] }
  },
  markdown(file) {
    const summary = file['summary'] as Record<string, Spread3> | undefined
    if (summary === undefined) return ''
    const labels: Record<string, string> = {
      hopsTo999: 'hops to 99.9% (push on)',
      lastDeliveryHop: 'last delivery hop (push on)',
      redundancy: 'redundancy (push on)',
      roundsToConvergePush: 'rounds to converge (push on)',
      roundsToConvergeNoPush: 'rounds to converge (push off)',
      deliveredFraction: 'delivered fraction (all)',
      idleBytesPerPeerPerRound: 'idle B/peer/round (all)',
    }
    return table(
      ['figure', 'min', 'median', 'max'],
      Object.entries(summary).map(([key, s]) => [labels[key] ?? key, fmt(s.min), fmt(s.median), fmt(s.max)]),
      ['l', 'r', 'r', 'r'],
    )
  },
}

// ---------------------------------------------------------------------------------------
// steady

const STEADY_WARMUP_UPDATES = 5

export const steady: Scenario = {
  name: 'steady',
  description:
    `The spread experiment after peer 0 made ${STEADY_WARMUP_UPDATES} updates first: its push tree has formed ` +
    '(redundant links pruned), so this is the steady state of an author\'s edits rather than a first flood.',
  parameters: {
    ...COMMON,
    seed: 1,
    push: true,
    warmupUpdates: STEADY_WARMUP_UPDATES,
    peers: [100, 1000, 10000],
    presencePeers: [100, 1000],
    loss: [0, 0.05],
    presence: [false, true],
    quickPeers: [100, 300],
  },
  runs(quick) {
    const sizes = quick ? [100, 300] : [100, 1000, 10000]
    // Without presence, rooms cannot prove they are connected and keep rewiring, which
    // disturbs the trees; with presence (every peer shows a state, as in an app) they settle.
    // Presence costs N² deliveries (every peer's state reaches every peer, and each renewal
    // floods once before its tree forms): the simulator runs it up to N = 1,000.
    return [false, true].flatMap((presence) =>
      sizes.filter((peers) => !presence || peers <= 1000).flatMap((peers) =>
        (peers === 10000 ? [0] : [0, 0.05]).map((loss) => ({
          label: `N=${n(peers)} loss ${pct(loss)} steady${presence ? ' presence' : ''}`,
          options: spreadOptions(peers, loss, 1, true, STEADY_WARMUP_UPDATES, presence),
        })),
      ),
    )
  },
  finish(outcomes) {
    const r1000 = outcomes.find((o) => o.result.peers === 1000 && o.result.loss === 0 && !o.result.presence)?.result
    const p1000 = outcomes.find((o) => o.result.peers === 1000 && o.result.loss === 0 && o.result.presence)?.result
    const targets: Target[] = [
      {
        description: `N=1,000, 0% loss, after ${STEADY_WARMUP_UPDATES} updates: redundancy (Plumtree RMR; 0 = one copy per peer)`,
        target: '≤ 0.5 (a first flood: ~3)',
        ...(r1000 === undefined ? NOT_MEASURED : { measured: fmt(r1000.redundancy), met: r1000.redundancy <= 0.5 }),
      },
      {
        // Trees are not global shortest paths: a few more hops than a flood, still well within a round.
        description: `N=1,000, 0% loss, after ${STEADY_WARMUP_UPDATES} updates: delivered by push within one round`,
        target: '1.0 in 1 round',
        ...(r1000 === undefined
          ? NOT_MEASURED
          : {
              measured: `${frac(r1000.deliveredFraction)} in ${fmt(r1000.roundsToConverge)} round(s), ${fmt(r1000.virtualMsToConverge, 0)} ms, ${r1000.hopsTo999} hops`,
              met: r1000.deliveredFraction === 1 && r1000.roundsToConverge === 1,
            }),
      },
      {
        description: `N=1,000, 0% loss, presence on, after ${STEADY_WARMUP_UPDATES} updates: redundancy (settled trees)`,
        target: '≤ 0.1',
        ...(p1000 === undefined ? NOT_MEASURED : { measured: fmt(p1000.redundancy), met: p1000.redundancy <= 0.1 }),
      },
      idleTarget(outcomes),
    ]
    return { figures: { runs: outcomes.map((o) => record(o.result, false)) }, targets, plots: [] }
  },
  markdown(file) {
    const rows = file.runs.map((r) => [
      n(r.peers),
      pct(r.loss),
      r.presence ? 'on' : 'off',
      frac(r.deliveredFraction),
      fmt(r.hopsTo999),
      fmt(r.roundsToConverge),
      fmt(r.virtualMsTo999, 0),
      fmt(r.redundancy),
      fmt(r.copiesPerPeer),
      fmt(r.bytesPerPeerPerRound, 1),
      fmt(r.wallMs / 1000, 1),
    ])
    return table(['N', 'loss', 'presence', 'delivered', 'hops 99.9%', 'rounds 100%', 'ms 99.9%', 'redundancy', 'copies/peer', 'busy B/peer/rd', 'wall s'], rows)
  },
}

export const SCENARIOS: Scenario[] = [spread, antiEntropy, seeds, steady]

export { targetsTable }
