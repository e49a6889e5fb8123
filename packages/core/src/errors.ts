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
  constructor(
    message: string,
    /** The remote peer that sent the frame, when known. */
    readonly peerId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
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

/** Throws an {@link AbortError} when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError(undefined, { cause: signal.reason })
}
