/**
 * The closing summary: one row per peer (or the first and last ten of a big swarm) with
 * its state vector and content hashes, then the verdict that proves convergence.
 */
import type { MemoryNetworkStats } from '@gossamer/core'
import type { Fingerprint } from './fingerprint.js'
import { bytes, count, hex, padEnd, padStart, seconds, type Style } from './style.js'

export interface SummaryInput {
  fingerprints: readonly Fingerprint[]
  wire: MemoryNetworkStats
  loss: number
  edits: number
  /** Encoded size of the document (peer 0). */
  docBytes: number
  /** The start of the final text (peer 0). */
  textPreview: string
  /** Virtual ms from the heal to convergence, or null if it never converged. */
  healMs: number | null
  virtualMs: number
  wallMs: number
}

export interface Summary {
  converged: boolean
  lines: string[]
}

const FULL_TABLE_MAX = 60
const HEAD = 10

export function summarize(input: SummaryInput, c: Style): Summary {
  const { fingerprints: fps } = input
  const key = (f: Fingerprint): string => `${f.svHash}:${f.digest}:${f.contentHash}`
  const tally = new Map<string, number>()
  for (const f of fps) tally.set(key(f), (tally.get(key(f)) ?? 0) + 1)
  let refKey = ''
  let agreeing = 0
  for (const [k, n] of tally) if (n > agreeing) [refKey, agreeing] = [k, n]
  const ref = fps.find((f) => key(f) === refKey)
  const converged = ref !== undefined && agreeing === fps.length

  const widths = [6, 7, 8, 10, 10, 10, 6, 4]
  const head = ['peer', 'clients', 'Σ clock', 'sv hash', 'digest', 'text+map', 'text', 'keys']
  const row = (cells: string[]): string =>
    '  ' + cells.map((cell, i) => (i === 0 || (i >= 3 && i <= 5) ? padEnd : padStart)(cell, widths[i] as number)).join('  ') + '  '
  const lines: string[] = []
  const span = (label: string, width: number): string => `${label} ${'─'.repeat(width - label.length - 1)}`
  lines.push(c.dim(`  ${' '.repeat(6 + 2)}${span('state vector', 7 + 8 + 10 + 4)}  ${span('content', 10 + 10 + 6 + 4 + 6)}`))
  lines.push(c.bold(row(head)))
  lines.push(c.dim(`  ${'─'.repeat(widths.reduce((a, b) => a + b + 2, 0) + 1)}`))
  const show = (f: Fingerprint): void => {
    const same = key(f) === refKey
    const mark = same ? c.green('✓') : c.red('✗ differs')
    const paint = same ? (s: string): string => s : c.red
    lines.push(
      row([
        f.peerId,
        String(f.clients),
        count(f.clockSum),
        paint(hex(f.svHash)),
        paint(hex(f.digest)),
        paint(hex(f.contentHash)),
        count(f.textLength),
        String(f.mapKeys),
      ]) + mark,
    )
  }
  if (fps.length <= FULL_TABLE_MAX) fps.forEach(show)
  else {
    fps.slice(0, HEAD).forEach(show)
    const middle = fps.slice(HEAD, fps.length - HEAD)
    const odd = middle.filter((f) => key(f) !== refKey).length
    const note = odd === 0 ? c.green(`all identical ✓`) : c.red(`${odd} differ ✗`)
    lines.push(c.dim(`  … ${count(middle.length)} more peers: `) + note)
    fps.slice(-HEAD).forEach(show)
  }
  lines.push('')

  const lossPct = input.wire.framesSent === 0 ? 0 : (100 * input.wire.framesDropped) / input.wire.framesSent
  lines.push(
    `  ${c.dim('wire')}      ${count(input.wire.framesSent)} messages ${c.dim('·')} ${bytes(input.wire.bytesSent)} ${c.dim('·')} ` +
      `${count(input.wire.framesDropped)} frames lost (${lossPct.toFixed(1)}%: ` +
      `${input.loss > 0 ? `${(input.loss * 100).toFixed(0)}% random loss + ` : ''}the partition)`,
  )
  if (ref !== undefined)
    lines.push(
      `  ${c.dim('document')}  ${count(ref.textLength)} chars of text ${c.dim('·')} ${ref.mapKeys} map keys ${c.dim('·')} ` +
        `${bytes(input.docBytes)} encoded ${c.dim('·')} ${count(input.edits)} edits by ${ref.clients} clients`,
    )
  lines.push(`  ${c.dim('text')}      ${c.dim('"')}${input.textPreview}${c.dim('"')}`)
  const healed = input.healMs === null ? c.red('never') : `${seconds(input.healMs)} virtual after the heal`
  lines.push(`  ${c.dim('time')}      ${seconds(input.virtualMs)} virtual ${c.dim('·')} ${seconds(input.wallMs)} wall ${c.dim('·')} converged ${healed}`)
  lines.push('')
  if (converged && ref !== undefined)
    lines.push(
      c.bold(c.green(`CONVERGED: ${fps.length}/${fps.length} peers share state vector ${hex(ref.svHash)} and content hash ${hex(ref.contentHash)}`)) +
        '\n' +
        c.dim(`           (${ref.clients} clients, Σ clock ${count(ref.clockSum)}, digest ${hex(ref.digest)} = state vector + delete set)`),
    )
  else
    lines.push(
      c.bold(c.red(`NOT CONVERGED: only ${agreeing}/${fps.length} peers share one state (${tally.size} distinct states)`)),
    )
  return { converged, lines }
}
