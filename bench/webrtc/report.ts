/**
 * What the WebRTC bench writes besides its targets: the printed table, the cross-check of
 * Gossamer's own counters against the data-channel meter, and the SVG chart.
 */
import { smallMultiples, type Panel, type Reference } from './chart.js'
import { MAX_NEIGHBOURS, SYSTEM_NAMES, type SystemName } from './systems.js'
import { IDLE_TARGET_BYTES_PER_SECOND, SECRET_BYTES_RATIO, SECRET_P50_OVERHEAD_MS, TARGET_PEERS, find, fmt } from './targets.js'
import type { ScenarioResult } from './types.js'

/** What the chart needs of a run's parameters. */
export interface ChartParameters {
  peers: number[]
  edits: number
  seed: number
  idleMs: number
  minGapMs: number
  maxGapMs: number
}

/** Legend names and colours, fixed per system so charts with and without a system match. */
const SERIES: Record<SystemName, { label: string; color: string }> = {
  gossamer: { label: 'Gossamer', color: '#0072B2' },
  'gossamer-secret': { label: 'Gossamer + secret', color: '#009E73' },
  'y-webrtc': { label: 'y-webrtc', color: '#D55E00' },
}

/**
 * Gossamer's own counters against the data-channel meter: the room counts frames, the
 * channel carries each frame that fits in one message as `whole` (a 1-byte header), so the
 * difference per frame should be about 1 B.
 */
export function crossCheck(results: ScenarioResult[]): Record<string, unknown>[] {
  return results
    .filter((r) => r.roomStats !== null)
    .map((r) => {
      const s = r.roomStats!
      const window = (name: string, channelBytes: number, channelMessages: number, roomBytes: number, roomFrames: number): Record<string, unknown> => ({
        window: name,
        dataChannelBytes: channelBytes,
        dataChannelMessages: channelMessages,
        roomBytesSent: roomBytes,
        roomFramesSent: roomFrames,
        overheadBytesPerFrame: roomFrames === 0 ? null : (channelBytes - roomBytes) / roomFrames,
      })
      return {
        system: r.system,
        peers: r.peers,
        windows: [
          window('edits', r.edits.bytes, r.edits.messages, s.editBytesSent, s.editFramesSent),
          window('idle', r.idle.bytes, r.idle.messages, s.idleBytesSent, s.idleFramesSent),
        ],
      }
    })
}

/** The results sorted by N, then in {@link SYSTEM_NAMES} order. */
export function sortedResults(results: ScenarioResult[]): ScenarioResult[] {
  return [...results].sort((a, b) => a.peers - b.peers || SYSTEM_NAMES.indexOf(a.system) - SYSTEM_NAMES.indexOf(b.system))
}

/** The Markdown table printed at the end of a run. */
export function table(results: ScenarioResult[]): string {
  const rows = [
    '| system | N | connect ms | usable ms | p50 ms | p99 ms | bytes / edit | msgs / edit | frame B | idle B/s/peer (mean / max) | peak conns / peer | converged | load 1 min |',
    '| :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | :-: | --: |',
  ]
  for (const r of sortedResults(results)) {
    rows.push(
      `| ${r.system} | ${r.peers} | ${fmt(r.connectMs, 0)} | ${fmt(r.usableMs, 0)} | ${fmt(r.latency.p50, 2)} | ${fmt(r.latency.p99, 2)} | ${fmt(r.edits.bytesPerEdit, 0)} | ${fmt(r.edits.messagesPerEdit, 1)} | ${fmt(r.frameBytes, 0)} | ${fmt(r.idle.bytesPerSecondPerPeer, 1)} / ${fmt(r.idle.maxBytesPerSecondPerPeer, 1)} | ${r.connections.peak} | ${r.converged ? 'yes' : 'NO'} | ${fmt(Math.max(...r.loadAverage), 1)} |`,
    )
  }
  return rows.join('\n')
}

/** The SVG: one panel per figure, one group per N, one bar per system that has results. */
export function chart(results: ScenarioResult[], p: ChartParameters, date: string): string {
  const series = SYSTEM_NAMES.filter((s) => results.some((r) => r.system === s))
  const groups = p.peers.map((n) => `N = ${n}`)
  const values = (pick: (r: ScenarioResult) => number | null): (number | null)[][] =>
    series.map((s) =>
      p.peers.map((n) => {
        const r = find(results, s, n)
        return r === undefined ? null : pick(r)
      }),
    )
  const at = p.peers.indexOf(TARGET_PEERS)
  const g8 = find(results, 'gossamer', TARGET_PEERS)
  const hasSecret = series.includes('gossamer-secret')
  const bytesRefs: Reference[] = []
  const p50Refs: Reference[] = []
  if (at >= 0 && g8 !== undefined) {
    if (g8.frameBytes !== null) {
      const limit = 2 * (TARGET_PEERS - 1) * g8.frameBytes
      const label = hasSecret ? `2(N−1)×frame = ${limit} B` : `target at N = ${TARGET_PEERS}: 2(N−1) × frame = ${limit} B`
      bytesRefs.push({ value: limit, label, group: at })
    }
    if (hasSecret) {
      const limit = SECRET_BYTES_RATIO * g8.edits.bytesPerEdit
      bytesRefs.push({ value: limit, label: `secret ${SECRET_BYTES_RATIO}×open = ${fmt(limit, 0)} B`, group: at })
      if (g8.latency.p50 !== null) {
        const limit = g8.latency.p50 + SECRET_P50_OVERHEAD_MS
        p50Refs.push({ value: limit, label: `secret, N = ${TARGET_PEERS}: open + ${SECRET_P50_OVERHEAD_MS} ms = ${fmt(limit, 2)} ms`, group: at })
      }
    }
  }
  const panels: Panel[] = [
    {
      title: 'Time to connect',
      unit: 'ms to the expected connections, lower is better',
      values: values((r) => r.connectMs),
      note: 'y-webrtc: N−1 each; Gossamer: ≥ min(N−1, 5) and synced',
      nullLabel: '> 20 s',
    },
    { title: 'Edit-to-visible latency p50', unit: 'ms over (edit, peer) pairs, lower is better', values: values((r) => r.latency.p50), references: p50Refs },
    { title: 'Edit-to-visible latency p99', unit: 'ms over (edit, peer) pairs, lower is better', values: values((r) => r.latency.p99) },
    { title: 'Single-edit frame', unit: 'bytes of one data-channel payload', values: values((r) => r.frameBytes) },
    { title: 'Wire bytes per edit', unit: 'data-channel bytes, network-wide', values: values((r) => r.edits.bytesPerEdit), references: bytesRefs },
    { title: 'Messages per edit', unit: 'data-channel messages, network-wide', values: values((r) => r.edits.messagesPerEdit) },
    {
      title: 'Idle traffic per peer',
      unit: `bytes/s, presence on, ${fmt(p.idleMs / 1000, 0)} s after sync`,
      values: values((r) => r.idle.bytesPerSecondPerPeer),
      references: [{ value: IDLE_TARGET_BYTES_PER_SECOND, label: `Gossamer target: 1 kbps = ${IDLE_TARGET_BYTES_PER_SECOND} B/s` }],
    },
    {
      title: 'Peak WebRTC connections per peer',
      unit: 'highest count any peer had',
      values: values((r) => r.connections.peak),
      references: [
        {
          value: MAX_NEIGHBOURS,
          label: hasSecret ? `cap ${MAX_NEIGHBOURS} (secret: +1 while authenticating)` : `Gossamer cap: maxNeighbours = ${MAX_NEIGHBOURS}`,
        },
      ],
    },
  ]
  return smallMultiples(panels, {
    title: hasSecret ? 'Gossamer (open and with a secret) vs y-webrtc 10.3.0 over real WebRTC (@roamhq/wrtc)' : 'Gossamer vs y-webrtc 10.3.0 over real WebRTC (@roamhq/wrtc)',
    subtitle: `${p.edits} one-character edits at a random peer every ${p.minGapMs}–${p.maxGapMs} ms (seed ${p.seed}); Node peers in one process per run, private network namespace; ${date.slice(0, 10)}`,
    series: series.map((s) => SERIES[s].label),
    colors: series.map((s) => SERIES[s].color),
    groups,
    columns: 4,
    panelWidth: series.length > 2 ? 340 : 300,
    panelHeight: 260,
  })
}
