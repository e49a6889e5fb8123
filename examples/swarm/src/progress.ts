/**
 * The live progress: a few lines redrawn in place when stdout is a terminal, or plain
 * lines about once per virtual second otherwise (CI, pipes). Permanent lines (phase
 * results) are printed above the live block.
 */
import type { MemoryNetworkStats } from '@gossamer/core'
import type { DigestGroups } from './fingerprint.js'
import { bar, bytes, count, padEnd, seconds, stripAnsi, type Style } from './style.js'

/** Where the run stands. */
export interface Snapshot {
  phase: string
  detail: string
  /** Virtual ms. */
  now: number
  wallMs: number
  peers: number
  groups: DigestGroups
  /** Per half while the network is split. */
  halves?: readonly [DigestGroups, number, DigestGroups, number] | undefined
  wire: MemoryNetworkStats
  edits: number
  textLength: number
  mapKeys: number
}

/** A writable like `process.stdout`. */
export interface Output {
  write(s: string): unknown
  /** Terminal width, when known. */
  columns?: number | undefined
}

export class Progress {
  readonly #out: Output
  readonly #style: Style
  readonly #tty: boolean
  #drawn = 0
  #lastDrawWall = -Infinity
  #nextPlainAt = 0
  #last: Snapshot | undefined

  constructor(out: Output, style: Style, tty: boolean) {
    this.#out = out
    this.#style = style
    this.#tty = tty
    if (tty) out.write('\x1b[?25l') // hide the cursor while redrawing
  }

  /** Prints a permanent line above the live block. */
  log(line: string): void {
    this.#clear()
    this.#out.write(`${line}\n`)
    if (this.#last !== undefined && this.#tty) this.#draw(this.#last)
  }

  /** Shows a snapshot: redrawn in place (throttled) on a terminal, about once a virtual second otherwise. */
  show(snapshot: Snapshot, force = false): void {
    this.#last = snapshot
    if (this.#tty) {
      if (!force && snapshot.wallMs - this.#lastDrawWall < 40) return
      this.#lastDrawWall = snapshot.wallMs
      this.#clear()
      this.#draw(snapshot)
    } else if (force || snapshot.now >= this.#nextPlainAt) {
      this.#nextPlainAt = (Math.floor(snapshot.now / 1000) + 1) * 1000
      this.#out.write(`${this.#plain(snapshot)}\n`)
    }
  }

  /** Leaves the last block on screen and restores the cursor. */
  finish(): void {
    this.#drawn = 0
    this.#last = undefined
    if (this.#tty) this.#out.write('\x1b[?25h')
  }

  #clear(): void {
    if (this.#drawn === 0) return
    this.#out.write(`\x1b[${this.#drawn}A\r\x1b[J`)
    this.#drawn = 0
  }

  #draw(s: Snapshot): void {
    const c = this.#style
    const label = (name: string): string => c.dim(padEnd(name, 9))
    const done = s.groups.largest === s.peers
    const colourBar = done ? c.green : s.groups.distinct <= 2 ? c.yellow : c.magenta
    const lines = [
      `  ${label('phase')}${c.bold(c.cyan(s.phase))} ${c.dim('·')} ${s.detail}`,
      `  ${label('time')}${c.bold(seconds(s.now))} virtual ${c.dim(`(${seconds(s.wallMs)} wall)`)}`,
      `  ${label('peers')}${colourBar(bar(s.groups.largest / s.peers, 30))} ${c.bold(`${s.groups.largest}/${s.peers}`)} converged ${c.dim('·')} ${count(s.groups.distinct)} distinct state${s.groups.distinct === 1 ? '' : 's'}`,
    ]
    if (s.halves !== undefined) {
      const [a, na, b, nb] = s.halves
      lines.push(`  ${label('halves')}A ${half(c, a, na)}   B ${half(c, b, nb)}`)
    }
    lines.push(
      `  ${label('wire')}${count(s.wire.framesSent)} msgs ${c.dim('·')} ${bytes(s.wire.bytesSent)} ${c.dim('·')} ${c.red(count(s.wire.framesDropped))} frames lost`,
      `  ${label('document')}${count(s.edits)} edits ${c.dim('·')} ${count(s.textLength)} chars ${c.dim('·')} ${s.mapKeys} map keys ${c.dim('(as peer 0 sees it)')}`,
    )
    this.#out.write(`${lines.join('\n')}\n`)
    // A line wider than the terminal wraps: count the rows it takes, to move back up.
    const columns = this.#out.columns ?? 0
    this.#drawn = lines.reduce((rows, line) => rows + (columns > 0 ? Math.max(1, Math.ceil(stripAnsi(line).length / columns)) : 1), 0)
  }

  #plain(s: Snapshot): string {
    const halves = s.halves === undefined ? '' : `  halves ${s.halves[0].largest}/${s.halves[1]}|${s.halves[2].largest}/${s.halves[3]}`
    return (
      `  t=${(s.now / 1000).toFixed(1).padStart(5)}s  ${s.phase.padEnd(9)}  converged ${s.groups.largest}/${s.peers}` +
      `  states ${s.groups.distinct}${halves}  msgs ${s.wire.framesSent}  bytes ${bytes(s.wire.bytesSent)}` +
      `  lost ${s.wire.framesDropped}  edits ${s.edits}`
    )
  }
}

function half(c: Style, g: DigestGroups, n: number): string {
  const text = `${g.largest}/${n}`
  return g.largest === n ? c.green(`${text} ✓`) : c.yellow(`${text}  `)
}
