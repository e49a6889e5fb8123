/**
 * The frames of membership (tags 32 … 39, 41 and 42): the failure detector's probes, member
 * news (status with incarnation numbers, versioned metadata, health), the digests that repair
 * lost news, room-wide user events and queries. `frame-io-members.ts` reads and writes them; docs/PROTOCOL.md (section 15)
 * specifies each one.
 *
 * Member news travels as {@link MemberRecord}s: a record is about one member (`peer`) and
 * is merged by version (incarnation for status, per-key versions for metadata, a sequence
 * number for health), so records may arrive in any order, twice, or not at all. The digest
 * and pull frames are declared with their fields, in `member-digest.ts`.
 */
import type { MembersDigestFrame, MembersPullFrame } from './member-digest.js'

/** Limits every decoder of member frames enforces before a frame is used. */
export const MEMBER_LIMITS = {
  /** Most records in one Members frame. */
  recordsPerFrame: 64,
  /** Most records piggybacked on one Probe or ProbeAck. */
  newsPerProbe: 8,
  /** Most metadata entries in one record. */
  metaEntries: 64,
  /** Longest metadata key, in UTF-8 bytes. */
  metaKeyBytes: 64,
  /** Most bytes of keys and values in one metadata record (the room's own cap is lower: 512 by default). */
  metaBytes: 4096,
  /** Most links (neighbour RTTs) in one health record. */
  healthLinks: 32,
  /** Most app-defined checks in one health record. */
  healthChecks: 16,
  /** Longest check name, in UTF-8 bytes. */
  checkNameBytes: 64,
  /** Longest check output, in UTF-8 bytes. */
  checkOutputBytes: 128,
  /** A signature is absent (0 bytes, open rooms) or one Ed25519 signature. */
  signatureBytes: 64,
  /** Longest event or query name, in UTF-8 bytes. */
  nameBytes: 64,
  /** Largest event, query or query-reply payload. */
  payloadBytes: 1024,
  /** Most metadata conditions in a query filter. */
  filterMeta: 8,
  /** Longest query timeout, in ms. */
  queryTimeoutMs: 300_000,
} as const

/** The status of a member as the wire spells it. */
export const MemberStatusCode = {
  Alive: 0,
  Suspect: 1,
  Failed: 2,
  Left: 3,
} as const

/** A member's status: alive, suspected by some member, declared failed, or gone for good (a graceful leave). */
export type MemberStatus = 'alive' | 'suspect' | 'failed' | 'left'

/**
 * A member's status at an incarnation. `alive` and `left` come from the member itself (in
 * a room with a secret, `signature` is its Ed25519 signature of the record). `suspect` and
 * `failed` are claims by another member (`by`): in a room with a secret, `signature` is the
 * subject's own signature of `alive` at that incarnation, proving the incarnation is one it
 * issued. Open rooms send an empty signature.
 */
export interface MemberStateRecord {
  kind: 'state'
  peer: string
  status: MemberStatus
  incarnation: number
  /** Who claims a suspicion or failure; empty for `alive` and `left`. */
  by: string
  signature: Uint8Array
}

/** One metadata key: its value as JSON text (empty: deleted) and the version that set it. */
export interface MetaEntry {
  key: string
  version: number
  /** JSON text of the value; the empty string is a deletion (a tombstone, merged by version like a value). */
  value: string
}

/** A member's metadata (all of it), signed by the member in a room with a secret. */
export interface MemberMetaRecord {
  kind: 'meta'
  peer: string
  /** The member's metadata clock: the highest entry version. */
  version: number
  entries: MetaEntry[]
  signature: Uint8Array
}

/**
 * One link in a health record: the neighbour, by its member key (32 bits of a hash of its peer
 * id, as in digests: `memberKey`), and the link's smoothed RTT. A key takes 4 bytes where a
 * peer id takes up to 64 (43 with a secret); readers resolve it against their member table.
 */
export interface HealthLink {
  key: number
  rttMs: number
}

/** Result of an app-defined health check: 0 passing, 1 warning, 2 failing. */
export type CheckStatusCode = 0 | 1 | 2

/** One app-defined check in a health record. */
export interface HealthCheckRecord {
  name: string
  status: CheckStatusCode
  output: string
}

/** A member's health, published by the member (signed in a room with a secret). */
export interface MemberHealthRecord {
  kind: 'health'
  peer: string
  /** Increases with every record the member publishes. */
  seq: number
  /** Local health score (Lifeguard's multiplier): 0 is healthy, higher is worse. */
  score: number
  /** How late the member's own timers fired lately, in ms (event-loop lag). */
  lagMs: number
  /** Member news, events and replies waiting for the member's next send. */
  queued: number
  /** Use of the member's news budget over the last period, in per mille. */
  budget: number
  links: HealthLink[]
  checks: HealthCheckRecord[]
  signature: Uint8Array
}

/** Any member record. */
export type MemberRecord = MemberStateRecord | MemberMetaRecord | MemberHealthRecord

/** Numeric tags of the member frames (see `FrameType`). */
export const MemberFrameType = {
  Probe: 32,
  ProbeAck: 33,
  ProbeRequest: 34,
  ProbeReport: 35,
  Members: 36,
  RoomEvent: 37,
  Query: 38,
  QueryReply: 39,
  MembersDigest: 41,
  MembersPull: 42,
} as const

/** A failure-detector probe of a neighbour ("are you there?"), with piggybacked member news. */
export interface ProbeFrame {
  type: typeof MemberFrameType.Probe
  room: string
  seq: number
  news: MemberRecord[]
}

/** The answer to a {@link ProbeFrame}, with the same `seq` and piggybacked news. */
export interface ProbeAckFrame {
  type: typeof MemberFrameType.ProbeAck
  room: string
  seq: number
  news: MemberRecord[]
}

/** "Probe `target` for me": an indirect probe through a helper neighbour. */
export interface ProbeRequestFrame {
  type: typeof MemberFrameType.ProbeRequest
  room: string
  seq: number
  target: string
}

/** Outcome of an indirect probe, as {@link ProbeReportFrame} reports it. */
export const ProbeResult = {
  /** The target answered the helper. */
  Alive: 0,
  /** The helper is alive and tried, but the target did not answer in time (Lifeguard's nack). */
  Nack: 1,
  /** The helper has no link to the target. */
  NoLink: 2,
} as const
/** One of the {@link ProbeResult} values. */
export type ProbeResultValue = (typeof ProbeResult)[keyof typeof ProbeResult]

/** A helper's answer to a {@link ProbeRequestFrame}. */
export interface ProbeReportFrame {
  type: typeof MemberFrameType.ProbeReport
  room: string
  seq: number
  target: string
  result: ProbeResultValue
}

/** Member news: flooded along the overlay, and exchanged when a link comes up. */
export interface MembersFrame {
  type: typeof MemberFrameType.Members
  room: string
  /** True: "send me every member you know" (a newcomer's first frame on a link). */
  request: boolean
  records: MemberRecord[]
}

/** A payload: bytes, or JSON text (`json`), at most `MEMBER_LIMITS.payloadBytes`. */
export interface WirePayload {
  json: boolean
  data: Uint8Array
}

/** A room-wide user event, flooded once to every member. */
export interface RoomEventFrame {
  type: typeof MemberFrameType.RoomEvent
  room: string
  /** Random id, for deduplication. */
  id: number
  origin: string
  /** The origin's Lamport time for this event: a later event of the same name replaces an earlier one. */
  ltime: number
  name: string
  payload: WirePayload
  /** The origin's Ed25519 signature of the frame (layers/event-signing.ts): present in a room with a secret only. */
  signature?: Uint8Array
}

/** One metadata condition of a query filter: the member's `key` holds this JSON `value`. */
export interface MetaCondition {
  key: string
  value: string
}

/** A room-wide query; answers travel back along the path it came (QueryReply). */
export interface QueryFrame {
  type: typeof MemberFrameType.Query
  room: string
  id: number
  origin: string
  name: string
  /** How long the origin waits for answers; relays forget the query after that. */
  timeoutMs: number
  /** Only these members answer (empty: any). */
  peers: string[]
  /** Only members whose metadata matches every condition answer. */
  meta: MetaCondition[]
  payload: WirePayload
  /** The origin's Ed25519 signature of the frame (layers/event-signing.ts): present in a room with a secret only. */
  signature?: Uint8Array
}

/** One member's answer to a {@link QueryFrame}, relayed hop by hop to its origin. */
export interface QueryReplyFrame {
  type: typeof MemberFrameType.QueryReply
  room: string
  id: number
  from: string
  payload: WirePayload
  /** The answering member's Ed25519 signature of the frame (layers/event-signing.ts): present in a room with a secret only. */
  signature?: Uint8Array
}

/** Any member frame. */
export type MemberFrame =
  | ProbeFrame
  | ProbeAckFrame
  | ProbeRequestFrame
  | ProbeReportFrame
  | MembersFrame
  | RoomEventFrame
  | QueryFrame
  | QueryReplyFrame
  | MembersDigestFrame
  | MembersPullFrame
