/**
 * The content frames of the wire protocol: a pushed delta, the anti-entropy exchange
 * (Digest, DigestMatch, SyncRequest, SyncReply) and the push trees' Prune and Graft.
 * `frame-io-sync.ts` reads and writes them; `messages.ts` re-exports them.
 */
import type { FrameType } from './messages.js'

/** A pushed Yjs V1 update. `id` is `hash53(update)`: receivers verify it. */
export interface DeltaFrame {
  type: typeof FrameType.Delta
  room: string
  id: number
  /** Hops travelled since the origin (0 when sent by the origin). */
  hop: number
  /**
   * The publishing peer's Yjs clientID (a u32). Deltas of one origin follow that origin's
   * push tree: see {@link PruneFrame}.
   */
  origin: number
  /**
   * Content anti-entropy found missing at the sender, pushed on so a healed partition
   * converges fast: forwarded only by peers it was news to (absent: false).
   */
  repair?: boolean
  update: Uint8Array
}

/** Anti-entropy opener: a hash of the sender's state vector and delete set. */
export interface DigestFrame {
  type: typeof FrameType.Digest
  room: string
  digest: number
}

/** Answer to {@link DigestFrame} when both digests are equal: nothing to exchange. */
export interface DigestMatchFrame {
  type: typeof FrameType.DigestMatch
  room: string
  digest: number
}

/** "Here is my state vector; send me what I miss." */
export interface SyncRequestFrame {
  type: typeof FrameType.SyncRequest
  room: string
  stateVector: Uint8Array
  /** When true, the receiver also sends its own SyncRequest back (push-pull). */
  reciprocate: boolean
}

/** Answer to {@link SyncRequestFrame}: a Yjs V1 update with what the requester misses. */
export interface SyncReplyFrame {
  type: typeof FrameType.SyncReply
  room: string
  /** `hash53(update)`, verified by the receiver. */
  checksum: number
  update: Uint8Array
}

/**
 * "Stop pushing me the deltas and presence of these origins": a copy arrived from you that I
 * already had. The sender then only reaches us through the push tree and anti-entropy.
 */
export interface PruneFrame {
  type: typeof FrameType.Prune
  room: string
  /** Distinct u32 origins, at most `LIMITS.originsPerFrame`, at least one. */
  origins: number[]
}

/** "Push me the deltas and presence of these origins again"; an empty list means every origin. */
export interface GraftFrame {
  type: typeof FrameType.Graft
  room: string
  /** Distinct u32 origins, at most `LIMITS.originsPerFrame`; empty: all. */
  origins: number[]
}
