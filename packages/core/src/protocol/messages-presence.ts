/**
 * The frames of presence and of the signal relay in a room with a secret (protocol v3):
 * awareness entries each signed by the identity key that owns their clientID, and relayed
 * signals signed by their origin. Open rooms never send them; rooms with a secret send
 * them instead of Awareness (12) and Relay (13). docs/PROTOCOL.md specifies both, and
 * `trust/presence-signatures.ts` the messages that are signed.
 */
import type { FrameType } from './messages.js'

/** Limits of the signed presence and relay frames, beside the protocol's `LIMITS`. */
export const SIGNED_LIMITS = {
  /** Most entries in one SignedAwareness frame (a greeting of more clients takes several frames). */
  entriesPerFrame: 256,
  /** An Ed25519 public key, in bytes. */
  publicKeyBytes: 32,
  /** An Ed25519 signature, in bytes. */
  signatureBytes: 64,
} as const

/**
 * One client's awareness state, signed by the key that owns the client. `state` is the
 * UTF-8 JSON text of the state, or null for "this client left".
 */
export interface SignedAwarenessEntry {
  /** The owner's 32-byte Ed25519 public key (its peer id is the base64url of it). */
  publicKey: Uint8Array
  /** The Yjs clientID of the state: the one `publicKey` owns (53 bits). */
  clientID: number
  /** The owner's awareness clock: a newer clock replaces an older state. */
  clock: number
  /** UTF-8 JSON of the state, or null when the owner removed its state. */
  state: Uint8Array | null
  /** 64-byte Ed25519 signature of the entry's signing message. */
  signature: Uint8Array
}

/** Presence in a room with a secret: signed awareness entries of one or more clients. */
export interface SignedAwarenessFrame {
  type: typeof FrameType.SignedAwareness
  room: string
  /** 1 … 256 entries of distinct clients. */
  entries: SignedAwarenessEntry[]
}

/**
 * A relayed signal in a room with a secret: the fields of a Relay frame plus the origin's
 * signature over room, id, origin, target and payload (not the TTL, which changes on the way).
 */
export interface SignedRelayFrame {
  type: typeof FrameType.SignedRelay
  room: string
  /** Random id, for deduplication along the way. */
  id: number
  /** The origin's key-derived peer id. */
  origin: string
  target: string
  /** Hops it may still travel (≤ LIMITS.relayTtl). */
  ttl: number
  payload: Uint8Array
  /** 64-byte Ed25519 signature by `origin`. */
  signature: Uint8Array
}
