/**
 * The load scenario's table for bench/results/SUMMARY.md, from load.json.
 */
import { targetsTable, type Target } from '../scenarios.js'

interface LoadRow {
  workload: string
  secret: boolean
  edits: number
  latencyMs: { p50: number | null; p99: number | null }
  /** Absent in files from before it was measured. */
  cursorLatencyMs?: { p50: number | null; p99: number | null }
  replicasEqual: boolean
  cursorsShown: number
  peers: number
  framesPerEdit: number | null
  framesThrottled: number
  peersCutOff: number
  deltasShed: number
  presencePaced: number
  updatesHeld: number
  pendingDropped: number
  errors: Record<string, number>
}

/** Markdown of one load.json. */
export function loadMarkdown(file: Record<string, unknown>): string {
  const runs = (file['runs'] as LoadRow[] | undefined) ?? []
  const targets = (file['targets'] as Target[] | undefined) ?? []
  const errors = (r: LoadRow): number => Object.values(r.errors).reduce((a, b) => a + b, 0)
  const rows = runs.map(
    (r) =>
      `| ${r.workload} | ${r.secret ? 'with a secret' : 'open'} | ${r.edits.toLocaleString('en-US')} | ${r.latencyMs.p50 ?? '–'} / ${r.latencyMs.p99 ?? '–'} | ${r.cursorLatencyMs?.p50 ?? '–'} / ${r.cursorLatencyMs?.p99 ?? '–'} | ${r.replicasEqual ? 'yes' : '**no**'} | ${r.cursorsShown} / ${r.peers} | ${r.framesPerEdit ?? '–'} | ${r.framesThrottled} | ${r.peersCutOff} | ${r.deltasShed} | ${r.presencePaced.toLocaleString('en-US')} | ${r.updatesHeld} | ${r.pendingDropped} | ${errors(r)} |`,
  )
  return [
    '| workload | room | edits | edits p50 / p99 ms | cursors p50 / p99 ms | replicas equal | cursors shown | frames per edit | frames throttled | cut off | deltas shed | presence paced | updates held | dropped | errors |',
    '| :-- | :-- | --: | --: | --: | :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
    ...rows,
    '',
    targetsTable(targets),
  ].join('\n')
}
