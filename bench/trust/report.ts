/**
 * The trust scenario's table for bench/results/SUMMARY.md, from trust.json.
 */
import { targetsTable, type Target } from '../scenarios.js'

interface JoinRow {
  secret: boolean
  edits: number
  ms: number
  /** Until synced (absent in files from before checkpoints). */
  syncedMs?: number
  cpuMs: number
  bytes: number
  bytesRatio: number
}

/** Markdown of one trust.json. */
export function trustMarkdown(file: Record<string, unknown>): string {
  const joins = (file['join'] as JoinRow[] | undefined) ?? []
  const targets = (file['targets'] as Target[] | undefined) ?? []
  const rows = joins.map((j) => `| ${j.secret ? 'with a secret' : 'open'} | ${j.edits.toLocaleString('en-US')} | ${j.ms} | ${j.syncedMs ?? '–'} | ${j.cpuMs} | ${j.bytes.toLocaleString('en-US')} | ${j.bytesRatio} |`)
  return [
    '| room | edits | holds the document, ms | synced, ms | CPU ms | bytes | ÷ state size |',
    '| :-- | --: | --: | --: | --: | --: | --: |',
    ...rows,
    '',
    targetsTable(targets),
  ].join('\n')
}
