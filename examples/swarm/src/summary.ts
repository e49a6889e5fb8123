/**
 * The closing summary, on one screen: one row per distinct document state (peers grouped by
 * state vector, digest and content hash; a converged swarm is one row), the wire and
 * document figures, then the verdict that proves convergence.
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

/** Most distinct states listed one per row; the rest are counted on one line. */
const MAX_STATE_ROWS = 8
/** Peer ids named per state row. */
const NAMED_PEERS = 3

/** Peers that share one state: same state vector, digest and content. */
interface StateGroup {
  key: string
  sample: Fingerprint
  peerIds: string[]
}

export function summarize(input: SummaryInput, c: Style): Summary {
  const { fingerprints: fps } = input
  const key = (f: Fingerprint): string => `${f.svHash}:${f.digest}:${f.contentHash}`
  const groups = new Map<string, StateGroup>()
  for (const f of fps) {
    const group = groups.get(key(f)) ?? { key: key(f), sample: f, peerIds: [] }
    group.peerIds.push(f.peerId)
    groups.set(group.key, group)
  }
  // Largest group first: the state most peers agree on.
  const states = [...groups.values()].sort((x, y) => y.peerIds.length - x.peerIds.length)
  const ref = states[0]?.sample
  const agreeing = states[0]?.peerIds.length ?? 0
  const converged = ref !== undefined && agreeing === fps.length

  // One row per distinct state, not per peer: a converged swarm is one row, whatever its size.
  const widths = [6, 22, 7, 8, 10, 10, 10, 6, 4]
  const head = ['peers', 'for example', 'clients', 'Σ clock', 'sv hash', 'digest', 'text+map', 'text', 'keys']
  const row = (cells: string[]): string =>
    '  ' + cells.map((cell, i) => (i === 1 || (i >= 4 && i <= 6) ? padEnd : padStart)(cell, widths[i] as number)).join('  ') + '  '
  const lines: string[] = []
  lines.push(c.bold(`  ${states.length === 1 ? '1 distinct state' : `${states.length} distinct states`} across ${count(fps.length)} peers`))
  lines.push(c.bold(row(head)))
  lines.push(c.dim(`  ${'─'.repeat(widths.reduce((x, y) => x + y + 2, 0) + 1)}`))
  for (const [i, group] of states.slice(0, MAX_STATE_ROWS).entries()) {
    const f = group.sample
    const paint = i === 0 ? (text: string): string => text : c.red
    const named = group.peerIds.slice(0, NAMED_PEERS).join(' ')
    const example = group.peerIds.length > NAMED_PEERS ? `${named} …` : named
    lines.push(
      row([
        count(group.peerIds.length),
        example.length > 22 ? `${example.slice(0, 21)}…` : example,
        String(f.clients),
        count(f.clockSum),
        paint(hex(f.svHash)),
        paint(hex(f.digest)),
        paint(hex(f.contentHash)),
        count(f.textLength),
        String(f.mapKeys),
      ]) + (i === 0 ? (converged ? c.green('✓ everyone') : c.yellow('majority')) : c.red('✗ differs')),
    )
  }
  if (states.length > MAX_STATE_ROWS) {
    const rest = states.slice(MAX_STATE_ROWS)
    const peers = rest.reduce((sum, group) => sum + group.peerIds.length, 0)
    lines.push(c.red(`  … ${rest.length} more states held by ${count(peers)} peers`))
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
      c.bold(c.red(`NOT CONVERGED: only ${agreeing}/${fps.length} peers share one state (${states.length} distinct states)`)),
    )
  return { converged, lines }
}
