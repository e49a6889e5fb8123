/**
 * The WebRTC bench's targets, checked against one run's results: Gossamer's bytes, latency,
 * idle traffic and connection cap, and what a room secret costs (issue 10: at N = 8, p50
 * latency at most 1 ms over the open room's and bytes per edit at most 1.5 × the open room's).
 */
import { MAX_NEIGHBOURS, isGossamer, type SystemName } from './systems.js'
import type { ScenarioResult } from './types.js'

/** The idle budget of one Gossamer peer with presence on: 1 kbps. */
export const IDLE_TARGET_BYTES_PER_SECOND = 125
/** A room with a secret may add at most this much to the open room's p50 edit-to-visible latency, at N = 8. */
export const SECRET_P50_OVERHEAD_MS = 1
/** A room with a secret may send at most this many times the open room's wire bytes per edit, at N = 8. */
export const SECRET_BYTES_RATIO = 1.5
/** The N at which the targets that name one N are checked. */
export const TARGET_PEERS = 8

/** One target: what was aimed for, what was measured, and whether it was met (null: not run). */
export interface Target {
  description: string
  target: string
  measured: string
  met: boolean | null
}

/** What a room secret costs at one N, from the same run: the secret room against the open one. */
export interface SecretOverhead {
  peers: number
  p50: { open: number | null; secret: number | null; overheadMs: number | null }
  p99: { open: number | null; secret: number | null; overheadMs: number | null }
  bytesPerEdit: { open: number; secret: number; ratio: number }
  bytesPerEditNetOfIdle: { open: number; secret: number; ratio: number }
  messagesPerEdit: { open: number; secret: number; ratio: number }
  frameBytes: { open: number | null; secret: number | null }
  idleBytesPerSecondPerPeer: { open: number; secret: number; ratio: number }
}

/** Formats a number, or "n/a". */
export const fmt = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined ? 'n/a' : value.toFixed(digits))

/** The run of `system` at `peers`, if there was one. */
export function find(results: ScenarioResult[], system: SystemName, peers: number): ScenarioResult | undefined {
  return results.find((r) => r.system === system && r.peers === peers)
}

const minus = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b)
const ratio = (open: number, secret: number): { open: number; secret: number; ratio: number } => ({ open, secret, ratio: secret / open })

/** The secret room against the open room at every N where both ran. */
export function secretOverheads(results: ScenarioResult[]): SecretOverhead[] {
  const out: SecretOverhead[] = []
  for (const secret of results.filter((r) => r.system === 'gossamer-secret').sort((a, b) => a.peers - b.peers)) {
    const open = find(results, 'gossamer', secret.peers)
    if (open === undefined) continue
    out.push({
      peers: secret.peers,
      p50: { open: open.latency.p50, secret: secret.latency.p50, overheadMs: minus(secret.latency.p50, open.latency.p50) },
      p99: { open: open.latency.p99, secret: secret.latency.p99, overheadMs: minus(secret.latency.p99, open.latency.p99) },
      bytesPerEdit: ratio(open.edits.bytesPerEdit, secret.edits.bytesPerEdit),
      bytesPerEditNetOfIdle: ratio(open.edits.bytesPerEditNetOfIdle, secret.edits.bytesPerEditNetOfIdle),
      messagesPerEdit: ratio(open.edits.messagesPerEdit, secret.edits.messagesPerEdit),
      frameBytes: { open: open.frameBytes, secret: secret.frameBytes },
      idleBytesPerSecondPerPeer: ratio(open.idle.bytesPerSecondPerPeer, secret.idle.bytesPerSecondPerPeer),
    })
  }
  return out
}

/** One line per {@link SecretOverhead}, for the printed summary. */
export function secretOverheadLines(overheads: SecretOverhead[]): string[] {
  return overheads.map(
    (o) =>
      `N = ${o.peers}: p50 ${fmt(o.p50.secret, 2)} vs ${fmt(o.p50.open, 2)} ms (+${fmt(o.p50.overheadMs, 2)} ms), ` +
      `p99 ${fmt(o.p99.secret, 2)} vs ${fmt(o.p99.open, 2)} ms; bytes per edit ${fmt(o.bytesPerEdit.secret, 0)} vs ${fmt(o.bytesPerEdit.open, 0)} B ` +
      `(${fmt(o.bytesPerEdit.ratio, 2)}×; net of idle ${fmt(o.bytesPerEditNetOfIdle.ratio, 2)}×), frame ${fmt(o.frameBytes.secret, 0)} vs ${fmt(o.frameBytes.open, 0)} B`,
  )
}

/** Issue 10's two comparisons at N = 8, from the same run. */
function secretTargets(results: ScenarioResult[]): Target[] {
  const n = TARGET_PEERS
  const o = secretOverheads(results).find((x) => x.peers === n)
  const p50 = `N = ${n}: a room with a secret adds ≤ ${SECRET_P50_OVERHEAD_MS} ms to the open room's edit-to-visible latency p50 (gossamer-secret − gossamer, same run)`
  const bytes = `N = ${n}: a room with a secret sends ≤ ${SECRET_BYTES_RATIO} × the open room's wire bytes per edit (gossamer-secret ÷ gossamer, same run)`
  if (o === undefined) {
    return [
      { description: p50, target: `≤ ${SECRET_P50_OVERHEAD_MS} ms`, measured: 'not run', met: null },
      { description: bytes, target: `≤ ${SECRET_BYTES_RATIO}×`, measured: 'not run', met: null },
    ]
  }
  return [
    {
      description: p50,
      target: `≤ ${SECRET_P50_OVERHEAD_MS} ms`,
      measured: `+${fmt(o.p50.overheadMs, 2)} ms (${fmt(o.p50.secret, 2)} vs ${fmt(o.p50.open, 2)} ms)`,
      met: o.p50.overheadMs === null ? null : o.p50.overheadMs <= SECRET_P50_OVERHEAD_MS,
    },
    {
      description: bytes,
      target: `≤ ${SECRET_BYTES_RATIO}×`,
      measured: `${fmt(o.bytesPerEdit.ratio, 2)}× (${fmt(o.bytesPerEdit.secret, 0)} vs ${fmt(o.bytesPerEdit.open, 0)} B; net of idle ${fmt(o.bytesPerEditNetOfIdle.ratio, 2)}×)`,
      met: o.bytesPerEdit.ratio <= SECRET_BYTES_RATIO,
    },
  ]
}

/** Every target, in the order printed. */
export function targets(results: ScenarioResult[], peerCounts: number[]): Target[] {
  const out: Target[] = []
  const n = TARGET_PEERS
  const g8 = find(results, 'gossamer', n)
  if (g8 !== undefined && g8.frameBytes !== null) {
    const limit = 2 * (n - 1) * g8.frameBytes
    out.push({
      description: `N = ${n}: Gossamer wire bytes per edit (data-channel payloads, network-wide, idle background included) ≤ 2 × (N − 1) × frame size (Gossamer's single-edit frame: ${g8.frameBytes} B)`,
      target: `≤ ${limit} B`,
      measured: `${fmt(g8.edits.bytesPerEdit)} B (${fmt(g8.edits.bytesPerEditNetOfIdle)} B net of idle traffic; ${fmt(g8.edits.messagesPerEdit, 2)} messages per edit)`,
      met: g8.edits.bytesPerEdit <= limit,
    })
  } else out.push({ description: `N = ${n}: Gossamer wire bytes per edit ≤ 2 × (N − 1) × frame size`, target: 'n/a', measured: 'not run', met: null })
  for (const peers of peerCounts) {
    const g = find(results, 'gossamer', peers)
    const y = find(results, 'y-webrtc', peers)
    for (const q of ['p50', 'p99'] as const) {
      const gv = g?.latency[q] ?? null
      const yv = y?.latency[q] ?? null
      out.push({
        description: `N = ${peers}: Gossamer edit-to-visible latency ${q} no worse than y-webrtc's in the same run`,
        target: `≤ ${fmt(yv, 2)} ms`,
        measured: `${fmt(gv, 2)} ms`,
        met: gv === null || yv === null ? null : gv <= yv,
      })
    }
  }
  if (results.some((r) => r.system === 'gossamer-secret')) out.push(...secretTargets(results))
  const gossamerRuns = results.filter((r) => isGossamer(r.system))
  for (const g of gossamerRuns) {
    out.push({
      description: `N = ${g.peers}, ${g.system}: an idle Gossamer peer with presence on sends ≤ 1 kbps (data-channel bytes over ${fmt(g.idle.ms / 1000)} s, the busiest peer)`,
      target: `≤ ${IDLE_TARGET_BYTES_PER_SECOND} B/s`,
      measured: `${fmt(g.idle.maxBytesPerSecondPerPeer)} B/s (mean ${fmt(g.idle.bytesPerSecondPerPeer)} B/s per peer)`,
      met: g.idle.maxBytesPerSecondPerPeer <= IDLE_TARGET_BYTES_PER_SECOND,
    })
  }
  // A room with a secret gives an urgent dialer one spare slot over the cap while it is not
  // yet authenticated (its sealed Hello then asks for room), so its bound is one higher.
  for (const [system, cap, why] of [
    ['gossamer', MAX_NEIGHBOURS + 1, `maxNeighbours + 1 (${MAX_NEIGHBOURS + 1}: one for an outbound-quota refill under eclipse pressure, docs/ARCHITECTURE.md)`],
    ['gossamer-secret', MAX_NEIGHBOURS + 2, `maxNeighbours + 2 (${MAX_NEIGHBOURS + 2}: the refill, and one spare slot for an urgent dialer still authenticating)`],
  ] as const) {
    const runs = gossamerRuns.filter((g) => g.system === system)
    if (runs.length === 0) continue
    const sampled = Math.max(...runs.map((g) => g.connections.peak))
    const reported = Math.max(...runs.flatMap((g) => g.connections.reportedPeakPerPeer ?? [0]))
    out.push({
      description: `No ${system} peer ever has more than ${why} WebRTC connections (all N; sampled every 5 ms, and the transports' exact peaks)`,
      target: `≤ ${cap}`,
      measured: `sampled peak ${sampled}, transport-reported peak ${reported}`,
      met: Math.max(sampled, reported) <= cap,
    })
  }
  return out
}
