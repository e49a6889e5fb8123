/**
 * Figures and the plot of the signaling bench.
 */
import { PALETTE, lineChart } from '../svg.js'

/** Order statistics of a sample of times, in ms (one decimal). */
export interface Summary {
  n: number
  min: number
  p50: number
  p95: number
  max: number
  mean: number
}

/** Summarizes a non-empty sample (nearest-rank percentiles). */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
  const r = (v: number): number => Math.round(v * 10) / 10
  return {
    n: sorted.length,
    min: r(sorted[0] ?? Number.NaN),
    p50: r(at(0.5)),
    p95: r(at(0.95)),
    max: r(sorted[sorted.length - 1] ?? Number.NaN),
    mean: r(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
  }
}

/** Join time per trial, without and with the horde. */
export function signalingChart(baseline: readonly number[], held: readonly number[], hostile: number, fresh: { joinMs: number; oldestAgeMs: number }): string {
  return lineChart(
    [
      { name: 'no hostile sockets', points: baseline.map((ms, i) => [i + 1, ms] as const), color: PALETTE[2] },
      { name: `${hostile.toLocaleString('en-US')} hostile, held`, points: held.map((ms, i) => [i + 1, ms] as const), color: PALETTE[1] },
    ],
    {
      title: 'Signaling: a legitimate peer joins its room (hello + join + peers)',
      subtitle: `server full of ${hostile.toLocaleString('en-US')} idle hostile sockets; target ≤ 2,000 ms. Right after the flood (oldest hostile ${(fresh.oldestAgeMs / 1000).toFixed(1)} s old): ${Math.round(fresh.joinMs).toLocaleString('en-US')} ms`,
      xLabel: 'trial',
      yLabel: 'ms from connect to peers',
      xMin: 1,
      legendTitle: 'hostile sockets',
    },
  )
}

/** JSON with 2-space indentation, but arrays of numbers (or of number arrays) on one line, like the other bench results. */
export function compactJson(value: unknown, indent = ''): string {
  const flat = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null)
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    if (flat(value) || value.every(flat)) return JSON.stringify(value)
    const inner = indent + '  '
    return `[\n${value.map((v) => inner + compactJson(v, inner)).join(',\n')}\n${indent}]`
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    if (entries.length === 0) return '{}'
    const inner = indent + '  '
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, inner)}`).join(',\n')}\n${indent}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** The markdown table of `signaling.json` for results/SUMMARY.md. */
export function signalingMarkdown(file: Record<string, unknown>): string {
  const s = (key: string): Summary => file[key] as Summary
  const fresh = file['fresh'] as { joinMs: number; attempts: number; oldestHostileAgeAtStartMs: number }
  const row = (label: string, x: Summary): string => `| ${label} | ${x.n} | ${x.p50} | ${x.p95} | ${x.max} |`
  return [
    '| phase | trials | p50 ms | p95 ms | max ms |',
    '| :-- | --: | --: | --: | --: |',
    row('no hostile sockets', s('baseline')),
    row('hostile sockets held open', s('held')),
    `| right after the flood (oldest hostile ${fresh.oldestHostileAgeAtStartMs} ms old) | 1 | ${fresh.joinMs} | | ${fresh.joinMs} (${fresh.attempts} ${fresh.attempts === 1 ? 'attempt' : 'attempts'}) |`,
  ].join('\n')
}
