/**
 * `room.metrics()`: the room's counters (RMR, duplicates, grafts, prunes, suspicions,
 * refutations, frames and bytes by frame type) and their Prometheus text exposition.
 */
import type { FrameCount } from './engine/frame-meter.js'
import type { MemberStatus, RoomMetrics } from './member-types.js'
import type { RoomStats } from './room-stats.js'

/** The metrics of a room from its counters. */
export function roomMetrics(
  stats: RoomStats,
  frames: { sent: Record<string, FrameCount>; received: Record<string, FrameCount> },
  members: Record<MemberStatus, number>,
): RoomMetrics {
  const firsts = stats.deltasReceived - stats.duplicateDeltas
  return {
    rmr: firsts > 0 ? stats.deltasReceived / firsts - 1 : 0,
    duplicates: stats.duplicateDeltas,
    grafts: stats.graftsSent,
    prunes: stats.prunesSent,
    suspicions: stats.suspicions,
    refutations: stats.refutations,
    probes: stats.probesSent,
    members,
    frames,
    framesSent: stats.framesSent,
    bytesSent: stats.bytesSent,
    framesReceived: stats.framesReceived,
    bytesReceived: stats.bytesReceived,
    framesRejected: stats.framesRejected,
  }
}

/** Escapes a Prometheus label value. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

/**
 * The Prometheus text exposition (version 0.0.4) of `metrics`, every sample labelled with
 * the room and peer, e.g. `gossamer_frames_sent_total{room="notes",peer="ab12",type="Delta"} 42`.
 */
export function prometheusText(metrics: RoomMetrics, room: string, peer: string): string {
  const base = `room="${label(room)}",peer="${label(peer)}"`
  const lines: string[] = []
  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: [string, number][]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const [extra, value] of samples) lines.push(`${name}{${base}${extra === '' ? '' : `,${extra}`}} ${Number.isFinite(value) ? value : 0}`)
  }
  family('gossamer_rmr', 'gauge', 'Relative message redundancy of deltas (copies per first copy minus one).', [['', metrics.rmr]])
  family('gossamer_duplicate_deltas_total', 'counter', 'Delta copies received that were already known.', [['', metrics.duplicates]])
  family('gossamer_grafts_total', 'counter', 'Graft frames sent.', [['', metrics.grafts]])
  family('gossamer_prunes_total', 'counter', 'Prune frames sent.', [['', metrics.prunes]])
  family('gossamer_probes_total', 'counter', 'Failure-detector probes started.', [['', metrics.probes]])
  family('gossamer_suspicions_total', 'counter', 'Suspicions raised by this peer.', [['', metrics.suspicions]])
  family('gossamer_refutations_total', 'counter', 'Suspicions of this peer that it refuted.', [['', metrics.refutations]])
  family('gossamer_frames_rejected_total', 'counter', 'Frames dropped as invalid.', [['', metrics.framesRejected]])
  family('gossamer_members', 'gauge', 'Members known, by status.', Object.entries(metrics.members).map(([status, count]) => [`status="${status}"`, count]))
  for (const [direction, counts] of [['sent', metrics.frames.sent], ['received', metrics.frames.received]] as const) {
    const entries = Object.entries(counts)
    family(`gossamer_frames_${direction}_total`, 'counter', `Frames ${direction}, by frame type.`, entries.map(([type, c]) => [`type="${label(type)}"`, c.frames]))
    family(`gossamer_bytes_${direction}_total`, 'counter', `Bytes ${direction}, by frame type.`, entries.map(([type, c]) => [`type="${label(type)}"`, c.bytes]))
  }
  return lines.join('\n') + '\n'
}
