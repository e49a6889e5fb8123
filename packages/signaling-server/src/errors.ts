/**
 * Typed errors of the signaling server. Callers branch on `err.name`, which is stable
 * across versions. Every error may carry a `cause`.
 */

/**
 * The stable error codes the server sends to clients in `{ type: 'error', code }` messages.
 * See PROTOCOL.md for when each one is sent.
 */
export const ERROR_CODES = [
  'bad-json',
  'bad-message',
  'too-large',
  'rate-limited',
  'too-many-topics',
  'server-full',
  'unknown-peer',
  'duplicate-peer',
  'not-joined',
  'hello-required',
  'bad-proof',
  'source-limit',
  'evicted',
] as const

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number]

/** Base class of every error the signaling server raises. */
export class SignalingError extends Error {
  override name = 'SignalingError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** `createSignalingServer` was given an invalid option or limit. Nothing was started. */
export class InvalidOptionsError extends SignalingError {
  override name = 'InvalidOptionsError'
}

/** The server could not listen on the requested host and port (the OS error is the `cause`). */
export class ListenError extends SignalingError {
  override name = 'ListenError'
}

/**
 * A client message was rejected. The server answers it with an `error` message carrying
 * {@link ProtocolViolationError.code}; this object never escapes a network callback.
 */
export class ProtocolViolationError extends SignalingError {
  override name = 'ProtocolViolationError'
  constructor(
    /** The stable code sent to the client. */
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** An operation was aborted through its `AbortSignal`. */
export class AbortError extends SignalingError {
  override name = 'AbortError'
  constructor(message = 'the operation was aborted', options?: { cause?: unknown }) {
    super(message, options)
  }
}
