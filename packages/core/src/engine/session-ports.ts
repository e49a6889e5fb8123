/**
 * What the session layer asks of, and tells, the room it serves: whether a peer may join,
 * which peers to share, and that a session came up, went down or carried a frame; and the
 * session layer's tunables.
 */
import type { LinkInfo } from './context.js'
import type { RoomFrame } from './dispatch.js'
import type { CloseCodeValue, JoinPriorityValue } from '../protocol/messages.js'
import type { PeerId } from '../transport.js'
import type { ChannelLimits } from '../layers/secure-channel.js'

/** Tunables of the session layer. */
export interface SessionConfig {
  handshakeTimeoutMs: number
  /** In a room with a secret: most inbound connections still authenticating (default 8). */
  maxUnproven?: number
  /** In a room with a secret: bounds of each session's send and receive queues (default `CHANNEL_LIMITS`). */
  channelLimits?: ChannelLimits
}

/** The room's answer to a join request (a Hello). */
export type JoinDecision = { accept: true } | { accept: false; code: CloseCodeValue; peers: PeerId[] }

/** Why a session ended. */
export interface SessionDown {
  /** True when it had completed its handshake (the room's layers saw it come up). */
  wasUp: boolean
  /** `closed`: we closed it; `disconnect`: the peer sent Disconnect; `lost`: the connection died. */
  cause: 'closed' | 'disconnect' | 'lost'
  /** The peer's close code (cause `disconnect`). */
  code?: CloseCodeValue
  /** Peers the departing peer suggested (cause `disconnect`). */
  peers: PeerId[]
  transport: string
}

/** What the session layer asks of, and tells, the room it serves. */
export interface SessionPorts {
  /** A handshake frame from `source` shared these peers, seen through `transport`. */
  learn(peers: readonly PeerId[], transport: string, source: PeerId): void
  /** A peer asks to join (its Hello): may it? */
  join(peer: PeerId, priority: JoinPriorityValue): JoinDecision
  /** Peers to share with `peer` in a Hello, Welcome or Disconnect (ourselves included). */
  sample(peer: PeerId): PeerId[]
  /** A session completed its handshake. */
  up(peer: PeerId, link: LinkInfo): void
  /** A session ended (whether or not it was up). */
  down(peer: PeerId, info: SessionDown): void
  /** A frame of an open session, for the dispatch table. */
  frame(peer: PeerId, frame: RoomFrame): void
  /**
   * Charges an inbound frame's bytes to `peer`'s budgets before decoding (in a room with a
   * secret: the opened plaintext, before it is decoded); false drops it unread. Absent: all pass.
   */
  admit?(peer: PeerId, data: Uint8Array): boolean
}

/** What the overlay asks of the session layer. */
export interface SessionControl {
  /** Sessions in any state plus dials in flight. */
  count(): number
  /** True when a session or dial with `peer` exists. */
  has(peer: PeerId): boolean
  /** Peers of every session and dial. */
  peers(): PeerId[]
  dial(peer: PeerId, transport: string | undefined, priority: JoinPriorityValue, onFailure: (error: unknown) => void): void
  close(peer: PeerId, code?: CloseCodeValue, peers?: PeerId[]): void
  closeAll(code: CloseCodeValue, sampleFor: (peer: PeerId) => PeerId[]): void
}
