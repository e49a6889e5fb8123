/**
 * Public types of a room's membership: members with their status, metadata and health,
 * the `member:*`, `event:receive` and query types, metrics, and the `members` room option.
 */
import type { MemberStatus } from './protocol/messages-members.js'
import type { PeerId } from './transport.js'

export type { MemberStatus } from './protocol/messages-members.js'

/** A JSON value: what metadata, events and queries carry. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** A member's metadata: per-key JSON values (Serf tags, Cassandra application state). */
export type MemberMeta = Readonly<Record<string, JsonValue>>

/** One app-defined check as members see it. */
export interface HealthCheckResult {
  name: string
  status: 'pass' | 'warn' | 'fail'
  /** A short note (at most 128 bytes), e.g. why it fails. */
  output: string
}

/** A member's published health. */
export interface MemberHealth {
  /** Local health score (Lifeguard's multiplier): 0 is healthy, up to 8 for a starved peer. */
  score: number
  /** How late the member's own timers fired lately (event-loop lag), in ms. */
  lagMs: number
  /** Member news, events and replies waiting for the member's next send. */
  queued: number
  /** Use of its membership news budget over the last probe period, 0 … 1 (above 1: over budget, news waits). */
  budget: number
  /**
   * The member's neighbours and the RTT of each link, in ms. Records name neighbours by a
   * 4-byte key; a neighbour this peer does not know as a member (yet) is left out.
   */
  links: { peerId: PeerId; rttMs: number }[]
  checks: HealthCheckResult[]
}

/** One member of the room, as `room.members()` lists it. */
export interface Member {
  peerId: PeerId
  /** `alive`; `suspect` (a probe failed, the member may refute it); `failed`; `left` (said goodbye). */
  status: MemberStatus
  /** The member's incarnation: it raises it to refute a suspicion. */
  incarnation: number
  /** True for a current neighbour (a direct link). */
  neighbour: boolean
  /** RTT of the direct link, for a neighbour whose probes were answered. */
  rttMs?: number
  meta: MemberMeta
  /** The member's last published health (absent until it published one). */
  health?: MemberHealth
  /** True for this peer itself. */
  self: boolean
}

/** Payload of `member:join`, `member:fail` and `member:leave`. */
export interface MemberEvent {
  member: Member
}

/** Payload of `member:update`: what changed. */
export interface MemberUpdateEvent {
  member: Member
  /** Metadata keys that changed, `health`, or `status` (a suspicion refuted). */
  changed: string[]
}

/** Payload of `member:suspect`. */
export interface MemberSuspectEvent {
  member: Member
  /** Who suspects it (the first accuser). */
  by: PeerId
}

/** Payload of `member:reap`: a failed or left member was forgotten. */
export interface MemberReapEvent {
  peerId: PeerId
  status: MemberStatus
}

/** A payload of events and queries: bytes, or a JSON value. */
export type EventPayload = Uint8Array | JsonValue

/** Payload of `event:receive`: a room-wide event from `room.emit()`. */
export interface RoomUserEvent {
  name: string
  payload: EventPayload
  /** The member that emitted it. */
  from: PeerId
}

/** Which members answer a query. */
export interface QueryFilter {
  /** Only these members. */
  peers?: PeerId[]
  /** Only members whose metadata has these values. */
  meta?: Record<string, JsonValue>
}

/** Options of `room.query()`. */
export interface QueryOptions {
  /** How long to gather answers. Default 2000 ms, at most 300,000. */
  timeoutMs?: number
  filter?: QueryFilter
  signal?: AbortSignal
}

/** One answer to a query. */
export interface QueryResponse {
  from: PeerId
  payload: EventPayload
}

/** What a query handler learns about the query. */
export interface QueryContext {
  from: PeerId
  name: string
}

/** Answers a query: a payload, or undefined (or a promise of either) to stay silent. */
export type QueryHandler = (payload: EventPayload, context: QueryContext) => EventPayload | undefined | Promise<EventPayload | undefined>

/** What an app-defined health check returns: a boolean (pass/fail), or a status with a note. */
export type HealthCheckOutcome = boolean | { status: 'pass' | 'warn' | 'fail'; output?: string }

/** An app-defined health check. */
export type HealthCheckFn = () => HealthCheckOutcome | Promise<HealthCheckOutcome>

/** Options of `room.health.addCheck`. */
export interface HealthCheckOptions {
  /** How often to run it, in ms. Default 10,000. */
  intervalMs?: number
}

/** `room.health`: this peer's published health and its app-defined checks. */
export interface RoomHealth {
  /** Adds (or replaces) a check run every `intervalMs`; its result is published with this peer's health. Returns a remover. */
  addCheck(name: string, check: HealthCheckFn, options?: HealthCheckOptions): () => void
  /** Removes a check. */
  removeCheck(name: string): void
  /** This peer's health now (score, lag, links and checks as they are; the others hold its last published record, see `members()`). */
  local(): MemberHealth
}

/** Counters of `room.metrics()`. */
export interface RoomMetrics {
  /** Plumtree's relative message redundancy of deltas: copies received ÷ first copies − 1. */
  rmr: number
  duplicates: number
  grafts: number
  prunes: number
  /** Suspicions this peer's own probes raised. */
  suspicions: number
  /** Suspicions of this peer that it refuted. */
  refutations: number
  probes: number
  /** Members known, by status. */
  members: Record<MemberStatus, number>
  /** Frames and bytes by frame type name, sent and received. */
  frames: { sent: Record<string, { frames: number; bytes: number }>; received: Record<string, { frames: number; bytes: number }> }
  framesSent: number
  bytesSent: number
  framesReceived: number
  bytesReceived: number
  framesRejected: number
}

/** The `members` room option: membership, failure detection and health. */
export interface MembersOptions {
  /** The failure detector's probe period, in ms. Default: the room's `roundMs`, at least 1,000. */
  probeMs?: number
  /** Neighbours asked to probe a silent neighbour indirectly (SWIM's k). Default 3. */
  helpers?: number
  /** Lifeguard's local health: stretch timeouts while this peer is starved. Default true. */
  localHealth?: boolean
  /**
   * Suspicion timeout multiplier: a suspicion confirmed by 3 members becomes a failure after
   * `suspicionMult × max(1, log10(members)) × probeMs`; an unconfirmed one after 4× that. Default 1.
   */
  suspicionMult?: number
  /** Failed and left members are forgotten (`member:reap`) after this many ms. Default 300,000. */
  reapMs?: number
  /** Most live members remembered. Default 1,000. */
  maxMembers?: number
  /** Largest metadata, keys and JSON values in UTF-8 bytes. Default 512. */
  maxMetaBytes?: number
}
