/**
 * One client connection: its socket, source, peer id, joined topics, rate limiter and
 * liveness. Sending never throws; a client that stops reading is dropped.
 */
import type WebSocket from 'ws'
import type { ErrorCode } from './errors.js'
import type { Limits } from './limits.js'
import type { Ref, ServerMessage } from './messages.js'
import type { SourceState } from './sources.js'
import { TokenBucket } from './token-bucket.js'

/** WebSocket close codes the server uses (RFC 6455 §7.4.1). */
export const CloseCode = {
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  messageTooBig: 1009,
  tryAgainLater: 1013,
} as const

/** Counters shared by every connection of one server. */
export interface TrafficCounters {
  messagesIn: number
  messagesOut: number
  errorsSent: number
}

/** Server-side state of one WebSocket client. */
export class ClientConnection {
  /** Set by a successful `hello`. */
  peerId: string | undefined
  /** Topics this connection has joined, with or without a proof. */
  readonly topics = new Set<string>()
  /** The subset of {@link topics} joined with a valid proof (listed there). */
  readonly proven = new Set<string>()
  /** Cleared by the keepalive sweep, set again by a pong. */
  alive = true
  /** Consecutive messages dropped by the rate limiter. */
  rateViolations = 0
  /** Pending hello deadline, if any. */
  helloTimer: ReturnType<typeof setTimeout> | undefined
  readonly bucket: TokenBucket
  /** Settles when the socket has closed, however it closed. */
  readonly closed: Promise<void>

  constructor(
    /** Server-unique number, for logs. */
    readonly id: number,
    readonly socket: WebSocket,
    private readonly limits: Limits,
    private readonly counters: TrafficCounters,
    now: () => number,
    /** Where it comes from; shared with the other connections of that source. */
    readonly source: SourceState,
  ) {
    this.bucket = new TokenBucket(limits.messagesPerSecond, limits.messageBurst, now)
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
  }

  /** True while the socket is open. */
  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN
  }

  /**
   * Sends one message. Returns `false` when the socket is not open, or when the client
   * has more than `maxBufferedBytes` unread (it is then terminated).
   */
  send(message: ServerMessage): boolean {
    if (!this.open) return false
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.socket.terminate()
      return false
    }
    this.socket.send(JSON.stringify(message))
    this.counters.messagesOut++
    return true
  }

  /** Sends `{ type: 'error', code, message, ref? }`. */
  sendError(code: ErrorCode, message: string, ref?: Ref): boolean {
    const sent = this.send(ref === undefined ? { type: 'error', code, message } : { type: 'error', code, message, ref })
    if (sent) this.counters.errorsSent++
    return sent
  }

  /** Starts the closing handshake (no-op when already closing). */
  close(code: number, reason: string): void {
    if (this.open) this.socket.close(code, reason)
  }

  /** Label for logs. */
  get label(): Record<string, unknown> {
    const base = { conn: this.id, source: this.source.key }
    return this.peerId === undefined ? base : { ...base, peerId: this.peerId }
  }
}
