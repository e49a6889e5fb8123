/**
 * The frames of the Gossamer wire protocol, as typed values. `codec.ts` turns them into
 * bytes and back. docs/PROTOCOL.md specifies each one.
 *
 * Every frame starts with its type and a `room`. The handshake frames (Hello, Welcome,
 * Reject) always name the room; after the handshake a link belongs to one room, so other
 * frames may send it empty, meaning "this link's room" (rooms send it empty; it saves the
 * room name on every frame).
 */
import type { SyncPartFrame } from './messages-parts.js'
import type { MemberFrame } from './messages-members.js'
import type { AuthFrame } from './messages-auth.js'
import type { SignedAwarenessFrame, SignedRelayFrame } from './messages-presence.js'
import type { DeltaFrame, DigestFrame, DigestMatchFrame, GraftFrame, PruneFrame, SyncReplyFrame, SyncRequestFrame } from './messages-sync.js'

/** The content frames, defined in messages-sync.ts. */
export type { DeltaFrame, DigestFrame, DigestMatchFrame, GraftFrame, PruneFrame, SyncReplyFrame, SyncRequestFrame } from './messages-sync.js'

/**
 * The protocol version this build speaks best. Version 5 is version 4 inside authenticated,
 * encrypted sessions (AuthHello, AuthWelcome, AuthConfirm, Sealed, Rekey) whose key exchange
 * mixes an ephemeral X25519 secret into the session keys; only rooms with a secret speak it.
 * Version 6 is version 5 whose signed content may carry checkpoints (segments payload tag 4,
 * docs/PROTOCOL.md 13.4), which a version 5 build would refuse as malformed.
 */
export const PROTOCOL_VERSION = 6
/**
 * The oldest protocol version this build still speaks, and the only one of rooms without a
 * secret. Version 4 is version 2 (Delta with an origin, Prune and Graft, an empty room on
 * established links) with the membership frames as they stand: digests and pulls (tags 41
 * and 42), health links named by member key. Builds of versions 2 and 3 are refused with
 * `VersionMismatch` rather than misreading these frames.
 */
export const MIN_PROTOCOL_VERSION = 4

/** Limits every decoder enforces before a frame is used. */
export const LIMITS = {
  /** Longest room name, in UTF-8 bytes. */
  roomBytes: 256,
  /** Longest peer id, in UTF-8 bytes. */
  peerIdBytes: 64,
  /** Most peer ids in one frame. */
  peersPerFrame: 32,
  /**
   * Largest Yjs update or state vector in one frame: the wire's hard cap. Rooms enforce
   * their own, lower limit on top (the `limits` room option; default 1 MiB), and send
   * larger answers in SyncPart frames.
   */
  updateBytes: 16 * 1024 * 1024,
  /** Longest human-readable reason string. */
  reasonBytes: 512,
  /** Largest presence (awareness) update. */
  awarenessBytes: 1024 * 1024,
  /** Largest relayed signal. */
  relayBytes: 64 * 1024,
  /** Most hops a relayed signal may still travel. */
  relayTtl: 8,
  /** Most origins named in one Prune or Graft frame. */
  originsPerFrame: 256,
} as const

/** Numeric tags, written first in every frame as a varUint. Never renumber. */
export const FrameType = {
  Hello: 0,
  Welcome: 1,
  Reject: 2,
  Delta: 3,
  Digest: 4,
  DigestMatch: 5,
  SyncRequest: 6,
  SyncReply: 7,
  Peers: 8,
  Disconnect: 9,
  Ping: 10,
  Pong: 11,
  Awareness: 12,
  Relay: 13,
  Prune: 14,
  Graft: 15,
  // Authenticated sessions (rooms with a secret: version 3 on, X25519 shares from version 5): protocol/messages-auth.ts.
  AuthHello: 16,
  AuthWelcome: 17,
  AuthConfirm: 18,
  Sealed: 19,
  Rekey: 20,
  // Rooms with a secret (version 3 on), presence and relay: see messages-presence.ts.
  SignedAwareness: 21,
  SignedRelay: 22,
  /** A reply in parts (messages-parts.ts): hostile-load limits. */
  SyncPart: 40,
  // Membership: failure detection, member news, user events and queries (protocol/messages-members.ts).
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
/** One of the numeric frame tags. */
export type FrameTypeTag = (typeof FrameType)[keyof typeof FrameType]

/** How much the dialer wants to become the acceptor's neighbour. */
export const JoinPriority = {
  /** One anti-entropy exchange, then close (partition healing, full neighbours). */
  Transient: 0,
  /** Become a neighbour if there is room. */
  Low: 1,
  /** The dialer has no neighbour at all: make room by evicting one. */
  High: 2,
} as const
/** One of the {@link JoinPriority} values. */
export type JoinPriorityValue = (typeof JoinPriority)[keyof typeof JoinPriority]

/** Why a connection was refused or is being closed. */
export const CloseCode = {
  /** Generic: the peer is leaving the room. */
  Leaving: 0,
  /** No common protocol version. */
  VersionMismatch: 1,
  /** The frame named a room this peer does not serve. */
  UnknownRoom: 2,
  /** The active view is full; the frame lists other peers to try. */
  Full: 3,
  /** Evicted to make room for a peer with no neighbours. */
  Evicted: 4,
  /** The link was silent for too long. */
  Timeout: 5,
  /** A duplicate connection between the same two peers. */
  Duplicate: 6,
  /** The remote peer violated the protocol. */
  ProtocolViolation: 7,
  /** A transient (one exchange) connection is done. */
  Done: 8,
} as const
/** One of the {@link CloseCode} values. */
export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode]

/** First frame on a connection, from the dialer. */
export interface HelloFrame {
  type: typeof FrameType.Hello
  room: string
  peerId: string
  versionMin: number
  versionMax: number
  priority: JoinPriorityValue
  /** A small sample of peers the dialer knows (seeds the acceptor's passive view). */
  peers: string[]
}

/** The acceptor's answer to {@link HelloFrame}. */
export interface WelcomeFrame {
  type: typeof FrameType.Welcome
  room: string
  peerId: string
  /** The negotiated version: the highest both sides speak. */
  version: number
  /** True when the dialer became a neighbour; false for a transient connection. */
  accepted: boolean
  peers: string[]
}

/** The acceptor refuses the connection; it closes right after. */
export interface RejectFrame {
  type: typeof FrameType.Reject
  room: string
  code: CloseCodeValue
  reason: string
  /** For the highest version the rejecting peer speaks (version mismatch). */
  versionMin: number
  versionMax: number
}

/** Peer sampling (shuffle): a few known peer ids. */
export interface PeersFrame {
  type: typeof FrameType.Peers
  room: string
  peers: string[]
  /** True when this answers a Peers frame (no answer expected). */
  reply: boolean
}

/** The sender is closing the link for `code`; `peers` are alternatives to try. */
export interface DisconnectFrame {
  type: typeof FrameType.Disconnect
  room: string
  code: CloseCodeValue
  peers: string[]
}

/** Liveness probe. */
export interface PingFrame {
  type: typeof FrameType.Ping
  room: string
  nonce: number
}

/** Answer to {@link PingFrame} with the same nonce. */
export interface PongFrame {
  type: typeof FrameType.Pong
  room: string
  nonce: number
}

/** Presence: a y-protocols awareness update (states of one or more clients). */
export interface AwarenessFrame {
  type: typeof FrameType.Awareness
  room: string
  update: Uint8Array
}

/**
 * An opaque signal (e.g. a WebRTC offer) for a peer we are not connected to, relayed
 * through the mesh so new links can form without a signaling server.
 */
export interface RelayFrame {
  type: typeof FrameType.Relay
  room: string
  /** Random id, for deduplication along the way. */
  id: number
  origin: string
  target: string
  /** Hops it may still travel (≤ LIMITS.relayTtl). */
  ttl: number
  payload: Uint8Array
}

/** Any frame of the protocol. */
export type Frame =
  | MemberFrame
  | AuthFrame
  | HelloFrame
  | WelcomeFrame
  | RejectFrame
  | DeltaFrame
  | DigestFrame
  | DigestMatchFrame
  | SyncRequestFrame
  | SyncReplyFrame
  | PeersFrame
  | DisconnectFrame
  | PingFrame
  | PongFrame
  | AwarenessFrame
  | RelayFrame
  | PruneFrame
  | GraftFrame
  | SyncPartFrame
  | SignedAwarenessFrame
  | SignedRelayFrame
