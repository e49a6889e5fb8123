/**
 * The adversaries scenario's table for bench/results/SUMMARY.md and its SVG, from
 * adversaries.json (or the figures run.ts is about to write).
 */
import { groupedBarChart } from '../storage/bars.js'
import type { AdversarySummary, Target } from './evaluate.js'

const ms = (v: number | null): string => (v === null ? '—' : v.toFixed(0))
const frac = (v: number | null, digits = 1): string => (v === null ? '—' : v.toFixed(digits))

/** Markdown of one adversaries.json. */
export function adversariesMarkdown(file: Record<string, unknown>): string {
  const rows = (file['summary'] as AdversarySummary[] | undefined) ?? []
  const targets = (file['targets'] as Target[] | undefined) ?? []
  const signaling = file['signaling'] as { measured: string; met: boolean; date: string } | undefined
  const table = rows.map(
    (s) =>
      `| ${s.adversary} | ${ms(s.p50Without)} / ${ms(s.p50With)} | ${ms(s.p99Without)} / ${ms(s.p99With)} | ${frac(s.p99Ratio, 2)} (${frac(s.p99LaterRatio, 2)}) | ${s.cutOffMs === null ? 'never' : (s.cutOffMs / 1000).toFixed(2)} | ${frac(s.hostileMaxFrameMs)} / ${frac(s.hostileP99FrameMs)} | ${frac(s.amplification, 2)} (${frac(s.perPeerAmplification, 2)}) | ${ms(s.newcomerDuringMs)} / ${ms(s.newcomerAfterMs)} | ${s.minHonestNeighbours} | ${(s.victimDelivered * 100).toFixed(1)}% | ${ms(s.convergeAfterMs)} |`,
  )
  const goals = targets.map((t) => `| ${t.description} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**NO**'} |`)
  return [
    '| adversary | p50 ms without / with | p99 ms without / with | p99 ratio (from 1 s in) | cut off s | hostile frame CPU ms max / p99 | presence amplification (worst peer) | newcomer presence ms during / after | victim min honest neighbours | victim got | converged ms after |',
    '| :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
    ...table,
    '',
    signaling === undefined
      ? '_Signaling under 10,000 hostile sockets is measured by the signaling scenario (signaling.json)._'
      : `_Signaling (from signaling.json, ${signaling.date.slice(0, 10)}): a legitimate peer joins with 10,000 hostile sockets held open: ${signaling.measured} (target ≤ 2 s: ${signaling.met ? 'met' : '**missed**'})._`,
    '',
    '| target | goal | measured | met |',
    '| :-- | :-- | :-- | :-- |',
    ...goals,
  ].join('\n')
}

/** Bars of honest edit latency (p50, p99) without and with each adversary, and the largest frame cost. */
export function adversariesSvg(rows: readonly AdversarySummary[], subtitle: string): string {
  const groups = rows.map((s) => s.adversary)
  return groupedBarChart(
    [
      { title: 'honest edit latency p50', unit: 'virtual ms (worst seed)', groups, values: [rows.map((s) => s.p50Without), rows.map((s) => s.p50With)] },
      { title: 'honest edit latency p99', unit: 'virtual ms (worst seed; target ≤ 2 × without)', groups, values: [rows.map((s) => s.p99Without), rows.map((s) => s.p99With)] },
      { title: 'largest single-frame CPU cost', unit: 'ms: honest frame without, hostile frame with (≤ 100)', groups, values: [rows.map((s) => s.baselineMaxFrameMs), rows.map((s) => s.hostileMaxFrameMs)] },
    ],
    { title: 'Honest peers under each adversary', subtitle, series: ['without the adversary', 'with it'], columns: 1, panelWidth: 960, panelHeight: 220 },
  )
}
