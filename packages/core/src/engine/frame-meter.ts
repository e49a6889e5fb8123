/**
 * Frames and bytes by frame type, sent and received: the session layer counts each frame it
 * encodes or decodes, and `room.metrics()` reports the totals by frame name.
 */
import { FrameType } from '../protocol/messages.js'

/** Frames and bytes of one frame type. */
export interface FrameCount {
  frames: number
  bytes: number
}

const NAMES = new Map<number, string>(Object.entries(FrameType).map(([name, tag]) => [tag, name]))

/** Counts frames by type. Written by the session layer only. */
export class FrameMeter {
  readonly #sent = new Map<number, FrameCount>()
  readonly #received = new Map<number, FrameCount>()

  /** A frame of `type`, `bytes` long, went out. */
  sent(type: number, bytes: number): void {
    add(this.#sent, type, bytes)
  }

  /** A frame of `type`, `bytes` long, arrived and decoded. */
  received(type: number, bytes: number): void {
    add(this.#received, type, bytes)
  }

  /** The counts by frame name (e.g. `Delta`, `Probe`). */
  snapshot(): { sent: Record<string, FrameCount>; received: Record<string, FrameCount> } {
    return { sent: named(this.#sent), received: named(this.#received) }
  }
}

function add(counts: Map<number, FrameCount>, type: number, bytes: number): void {
  const count = counts.get(type)
  if (count === undefined) counts.set(type, { frames: 1, bytes })
  else {
    count.frames++
    count.bytes += bytes
  }
}

function named(counts: Map<number, FrameCount>): Record<string, FrameCount> {
  const out: Record<string, FrameCount> = {}
  for (const [type, count] of [...counts].sort((a, b) => a[0] - b[0])) out[NAMES.get(type) ?? `type${type}`] = { ...count }
  return out
}
