/**
 * Typed errors. Callers branch on `err.name`, which is stable across versions.
 * Every error may carry a `cause`.
 */

/** Base class of every error Gossamer raises. */
export class GossamerError extends Error {
  override name = 'GossamerError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** An inbound frame could not be decoded, or failed validation. It was dropped. */
export class ProtocolError extends GossamerError {
  override name = 'ProtocolError'
  /**
   * The frame was well formed but came at a moment that honest peers also produce (a Reject
   * from a full peer, a Hello or Welcome crossing another, a frame that overtook the
   * handshake): reported, but not held against the sender's score.
   */
  readonly race: boolean
  constructor(
    message: string,
    /** The remote peer that sent the frame, when known. */
    readonly peerId?: string,
    options?: { cause?: unknown; race?: boolean },
  ) {
    super(message, options)
    this.race = options?.race ?? false
  }
}

/** Two peers share no protocol version. The connection is closed. */
export class VersionMismatchError extends GossamerError {
  override name = 'VersionMismatchError'
  constructor(
    readonly local: { min: number; max: number },
    readonly remote: { min: number; max: number },
    readonly peerId?: string,
  ) {
    super(
      `no common protocol version: local ${local.min}..${local.max}, remote ${remote.min}..${remote.max}`,
    )
  }
}

/** Why a session in a room with a secret failed to authenticate, or was cut off. */
export type AuthFailure =
  /** The AuthHello names a key generation this peer does not hold (another secret, or a rotation past its grace period). */
  | 'unknown-key'
  /** The AuthHello's room tag does not verify: the dialer does not know the secret. */
  | 'bad-tag'
  /** The peer id in a handshake frame is not the connection's remote peer (or not the one dialed). */
  | 'peer-mismatch'
  /** The peer id is not a usable Ed25519 public key. */
  | 'invalid-key'
  /** The transcript signature does not verify under the peer's key. */
  | 'bad-signature'
  /** The proof of knowledge of the room secret does not verify. */
  | 'bad-proof'
  /** The ephemeral X25519 share is unusable (a low-order point, or refused by the platform). */
  | 'bad-share'
  /** A frame arrived that the session does not accept in its state (e.g. plaintext after the handshake). */
  | 'unexpected-frame'
  /** The session's key generation ended its grace period after a rotation. */
  | 'key-expired'
  /** Too many connections were still authenticating: the oldest one was closed. */
  | 'crowded'
  /** The remote peer refused the handshake. */
  | 'refused'

/**
 * A session in a room with a secret was refused or closed because the peer did not prove
 * (or no longer proves) that it holds the room secret and the key of its peer id. The
 * session is closed; nothing was handed to the room.
 */
export class AuthenticationError extends GossamerError {
  override name = 'AuthenticationError'
  constructor(
    readonly reason: AuthFailure,
    message: string,
    /** The remote peer, as its transport named it. */
    readonly peerId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * A session's queue of frames waiting to be sealed or opened went over its bound (frames
 * or bytes): the peer sends faster than this peer can decrypt, or this peer produces faster
 * than it can encrypt. The session is closed.
 */
export class SessionOverflowError extends GossamerError {
  override name = 'SessionOverflowError'
  constructor(
    readonly direction: 'inbound' | 'outbound',
    message: string,
    readonly peerId?: string,
  ) {
    super(message)
  }
}

/** A transport failed to start, dial or send. */
export class TransportError extends GossamerError {
  override name = 'TransportError'
}

/**
 * The remote peer refused a dial because its active view is full. Not a failure of the
 * peer: it stays a candidate for later, and nobody retries it with high priority.
 */
export class PeerFullError extends TransportError {
  override name = 'PeerFullError'
}

/** An operation was attempted on a connection that is closed. */
export class ConnectionClosedError extends GossamerError {
  override name = 'ConnectionClosedError'
}

/** An operation was attempted on a room after `close()`. */
export class RoomClosedError extends GossamerError {
  override name = 'RoomClosedError'
}

/** An operation was aborted through its `AbortSignal`. */
export class AbortError extends GossamerError {
  override name = 'AbortError'
  constructor(message = 'the operation was aborted', options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** An event listener threw. The emitter caught it and kept going. */
export class ListenerError extends GossamerError {
  override name = 'ListenerError'
}

/** A Yjs update could not be applied to the document. The document is untouched. */
export class UpdateRejectedError extends GossamerError {
  override name = 'UpdateRejectedError'
}

/**
 * An inbound frame or payload went over one of the room's limits (bytes, structs, delete
 * ranges, GC structs, state-vector entries, nesting depth, presence states). It was dropped
 * before it could cost more than reading it; the document is untouched.
 */
export class LimitExceededError extends UpdateRejectedError {
  override name = 'LimitExceededError'
  constructor(
    /** Which limit, as named in the room's `limits` option (e.g. `structs`). */
    readonly limit: string,
    /** What the frame had (a lower bound when the check stopped early). */
    readonly value: number,
    /** The room's limit. */
    readonly max: number,
    options?: { cause?: unknown },
  ) {
    super(`${limit}: ${value} exceeds the limit of ${max}`, options)
  }
}

/**
 * An update held back for content it builds on (pending structs or deletes) was dropped:
 * the content never came before the hold expired, or the sender held too much already.
 * Anti-entropy brings the content again once what it builds on is there.
 */
export class PendingDroppedError extends GossamerError {
  override name = 'PendingDroppedError'
  constructor(
    message: string,
    /** `expired`: held too long; `overflow`: over a per-peer or per-room bound. */
    readonly reason: 'expired' | 'overflow',
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Options passed to a factory are invalid. */
export class ConfigError extends GossamerError {
  override name = 'ConfigError'
}

/**
 * A transport was given to a second room (or twice to one room). A transport serves one
 * room for its whole life: `createRoom` throws this before anything starts.
 */
export class TransportInUseError extends ConfigError {
  override name = 'TransportInUseError'
}

/** Something gave up once its timeout passed; `timeoutMs` says how long it waited. */
export class DeadlineError extends GossamerError {
  override name = 'DeadlineError'
  constructor(
    /** The timeout that passed, in ms. */
    readonly timeoutMs: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * `room.close()` stopped waiting for a setup that did not finish within its deadline (storage
 * that never answers, an IndexedDB upgrade blocked by another tab): the room closed without
 * it, so edits made before the setup finished may not be stored. The Y.Doc still holds them.
 */
export class SetupTimeoutError extends DeadlineError {
  override name = 'SetupTimeoutError'
}

/** `room.whenSynced({ timeoutMs })` gave up: no full exchange with a peer completed in time. */
export class SyncTimeoutError extends DeadlineError {
  override name = 'SyncTimeoutError'
}

/** Throws an {@link AbortError} when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError(undefined, { cause: signal.reason })
}

/** `error` as an Error (a thrown non-Error is wrapped, its text kept). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
