/**
 * What one window of a run (the edits, the idle time) carried: data-channel traffic from the
 * meter, and, for Gossamer, the rooms' own counters, including frames by type before sealing.
 */
import type { BenchPeer } from './systems.js'
import type { FrameCounts, WindowTraffic } from './types.js'
import type { WireMeter, WireSnapshot } from './wire.js'

/** The rooms' counters summed over the peers at one moment (Gossamer; zeros for y-webrtc). */
export interface RoomTotals {
  bytes: number
  frames: number
  byType: FrameCounts
}

/** Data-channel traffic since `before`, over a window of `ms`. */
export function traffic(meter: WireMeter, before: WireSnapshot, ms: number): WindowTraffic {
  const after = meter.snapshot()
  const bytesPerPeer = after.bytes.map((b, i) => b - before.bytes[i]!)
  return {
    ms,
    bytes: bytesPerPeer.reduce((a, b) => a + b, 0),
    messages: after.messages.reduce((a, b, i) => a + b - before.messages[i]!, 0),
    bytesPerPeer,
    byKind: meter.kindsSince(before),
  }
}

/** The rooms' frames and bytes sent, summed over `peers`. */
export function roomTotals(peers: BenchPeer[]): RoomTotals {
  const totals: RoomTotals = { bytes: 0, frames: 0, byType: {} }
  for (const p of peers) {
    const s = p.roomStats?.()
    if (s !== undefined) {
      totals.bytes += s.bytesSent
      totals.frames += s.framesSent
    }
    for (const [name, count] of Object.entries(p.framesSentByType?.() ?? {})) {
      const sum = (totals.byType[name] ??= { frames: 0, bytes: 0 })
      sum.frames += count.frames
      sum.bytes += count.bytes
    }
  }
  return totals
}

/** Frames by type sent between two {@link roomTotals}, largest first, types that sent nothing left out. */
export function framesBetween(before: RoomTotals, after: RoomTotals): FrameCounts {
  const out: FrameCounts = {}
  const diffs = Object.entries(after.byType).map(([name, a]) => {
    const b = before.byType[name]
    return [name, { frames: a.frames - (b?.frames ?? 0), bytes: a.bytes - (b?.bytes ?? 0) }] as const
  })
  for (const [name, count] of diffs.filter(([, c]) => c.frames > 0).sort((x, y) => y[1].bytes - x[1].bytes)) out[name] = count
  return out
}
