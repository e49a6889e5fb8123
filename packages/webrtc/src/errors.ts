/**
 * Typed errors of the WebRTC transport. Callers branch on `err.name`; every error here is a
 * `TransportError` from `@gossamer/core`, so code that handles those keeps working.
 */
import { TransportError } from '@gossamer/core'

/**
 * A signaling server could not be reached: the connection was refused, timed out, or the
 * server turned the WebSocket upgrade down, before any message. The client keeps retrying
 * with backoff; meanwhile signals travel through the mesh relay only.
 */
export class SignalingUnreachableError extends TransportError {
  override name = 'SignalingUnreachableError'
  constructor(
    /** The signaling server's URL. */
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
