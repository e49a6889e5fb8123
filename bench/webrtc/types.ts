/**
 * What one scenario child (scenario.ts) measures and reports to the orchestrator (run.ts).
 */
import type { SystemName } from './systems.js'

/** The room (document) name both systems use. Gossamer frames carry it, so its length counts: the README's example name. */
export const ROOM_NAME = 'design-review'

/** Options of one run: one system at one N. */
export interface ScenarioOptions {
  system: SystemName
  peers: number
  edits: number
  seed: number
  minGapMs: number
  maxGapMs: number
  idleMs: number
  connectTimeoutMs: number
}

/** Frames and bytes by frame type (Gossamer's `room.metrics().frames.sent`, summed over peers). */
export type FrameCounts = Record<string, { frames: number; bytes: number }>

/** Data-channel traffic over a window. */
export interface WindowTraffic {
  ms: number
  bytes: number
  messages: number
  bytesPerPeer: number[]
  /** The same by kind of message (the system's message types), largest first. */
  byKind: Record<string, { bytes: number; messages: number }>
}

/** The figures of one run. */
export interface ScenarioResult {
  system: SystemName
  peers: number
  /** Ms from creating the peers until each has its expected connections (y-webrtc: N−1 open; Gossamer: ≥ min(N−1, 5) neighbours and synced); null if not reached in time. */
  connectMs: number | null
  /** Ms until every peer has at least one open connection and is synced: the document is usable everywhere. */
  usableMs: number | null
  /** Ms until every peer is also synced (y-webrtc: with every connection; Gossamer: included in connectMs). */
  syncedMs: number | null
  /** Open connections per peer when the run counted as connected (or at the timeout). */
  connectionsAtConnect: number[]
  latency: {
    p50: number | null
    p99: number | null
    mean: number | null
    max: number | null
    /** (edit, peer) pairs measured: edits × (N − 1) when nothing is missing. */
    samples: number
    /** (edit, peer) pairs never seen within the timeout. */
    missing: number
  }
  /**
   * Median size of the data-channel payload that carries one edit from its origin to a
   * neighbour: what the origin sends while making the edit, or, when it sends nothing then
   * (a room with a secret signs first), the first payload it sends after the edit.
   */
  frameBytes: number | null
  /** Median size of the Yjs update of one edit (inside that payload). */
  updateBytes: number | null
  /** Data-channel payloads the origin sent synchronously while making an edit (median per edit). */
  originSendsPerEdit: number | null
  edits: WindowTraffic & { count: number; bytesPerEdit: number; messagesPerEdit: number; bytesPerEditNetOfIdle: number; messagesPerEditNetOfIdle: number }
  idle: WindowTraffic & { bytesPerSecondPerPeer: number; maxBytesPerSecondPerPeer: number; messagesPerSecondPerPeer: number }
  connections: {
    /** Highest connection count seen per peer (sampled every few ms from the start to the end). */
    peakPerPeer: number[]
    peak: number
    /** Gossamer: the transports' exact peaks of RTCPeerConnections. */
    reportedPeakPerPeer: number[] | null
    /** RTCPeerConnections each peer created over the run (dials, accepts, glares, retries). */
    createdPerPeer: number[]
    samples: number
  }
  /**
   * Gossamer only: the rooms' own frame counters over the edit and idle windows (frames
   * without the data channel's header), and frames by type from `room.metrics()`. Those are
   * counted before sealing, so in a room with a secret they name what the sealed frames carry
   * (their bytes are the plaintext frames', without the seal).
   */
  roomStats: {
    editBytesSent: number
    editFramesSent: number
    idleBytesSent: number
    idleFramesSent: number
    /** Absent in JSON written before it was recorded. */
    editFramesByType?: FrameCounts
    idleFramesByType?: FrameCounts
  } | null
  /** All docs hold the same text at the end. */
  converged: boolean
  textLength: number
  /** Payloads on channels no peer owned (should be 0) and BroadcastChannel publishes swallowed (y-webrtc). */
  unattributedBytes: number
  broadcastChannelPublishes: number
  errors: string[]
  cpuMs: number
  /** The machine's 1-minute load average when the run started and ended (the machine may be shared). */
  loadAverage: [number, number]
  wallMs: number
  maxRssMB: number
}

/** Messages a scenario child sends to the orchestrator. */
export type ScenarioMessage =
  | { type: 'pid'; role: 'signaling'; pid: number }
  | { type: 'phase'; phase: string }
  | { type: 'result'; result: ScenarioResult }

export function isScenarioMessage(value: unknown): value is ScenarioMessage {
  return typeof value === 'object' && value !== null && 'type' in value && typeof (value as { type: unknown }).type === 'string'
}
