/**
 * One session: a transport connection to one remote peer, from handshake to close. It
 * holds what belongs to the connection (the peer, who dialed, the negotiated version, the
 * handshake deadline, the framing) and nothing a room knows about the peer behind it,
 * so several rooms can later share it. Internal.
 */
import type { TimerHandle } from '../clock.js'
import { encodeFrame } from '../protocol/codec.js'
import { FrameType, type Frame, type JoinPriorityValue } from '../protocol/messages.js'
import type { Connection, PeerId } from '../transport.js'
import type { SecureChannel } from './secure-channel.js'

/** How a session we dialed was asked for: what its Hello says, and what to do if a redial fails. */
export interface DialRequest {
  transport: string | undefined
  priority: JoinPriorityValue
  onFailure: (error: unknown) => void
}

/** Where a session is in its life. */
export type SessionState = 'handshake' | 'open' | 'closed'

/** A connection plus its handshake state. */
export class Session {
  readonly connection: Connection
  /** True when we dialed. */
  readonly initiator: boolean
  /** The remote peer: the transport's id for it, which the handshake must confirm. */
  readonly peerId: PeerId
  state: SessionState = 'handshake'
  /** Negotiated protocol version, once open. */
  version = 0
  /** Handshake deadline. */
  handshakeTimer: TimerHandle | undefined
  /** When the handshake completed (clock time), once open. */
  openedAt = 0
  /** Listener removers. */
  readonly disposers: (() => void)[] = []
  /** In a room with a secret: the authenticated, encrypted channel that carries every frame. */
  channel: SecureChannel | undefined
  /** Set when we dialed: the request, for the Hello and for a redial. */
  dialed: DialRequest | undefined

  constructor(connection: Connection, initiator: boolean) {
    this.connection = connection
    this.initiator = initiator
    this.peerId = connection.remotePeerId
  }

  /**
   * Whether the session holds a slot of the active view: always in a room without a secret;
   * in a room with one, once it is authenticated (or when we dialed it). A connection still
   * proving itself is not admitted to anything.
   */
  get counted(): boolean {
    return this.initiator || this.channel === undefined || this.channel.phase !== 'auth'
  }

  /** The transport that carries it. */
  get transport(): string {
    return this.connection.transport
  }

  /**
   * Encodes `frame` for this session. Once open, the session's room is implied, so the
   * room name is left out (sent empty); handshake frames always name it. Throws a
   * ProtocolError for a frame peers would reject.
   */
  encode(frame: Frame): Uint8Array {
    return encodeFrame(this.state === 'open' ? onLink(frame) : frame)
  }

  /** Sends encoded bytes; false when the connection is closed. */
  sendBytes(bytes: Uint8Array): boolean {
    if (this.connection.closed) return false
    this.connection.send(bytes)
    return true
  }

  dispose(): void {
    for (const dispose of this.disposers.splice(0)) dispose()
  }
}

/** `frame` as sent on an open session: its room is implied, so the name is left out. */
export function onLink(frame: Frame): Frame {
  if (frame.type === FrameType.Hello || frame.type === FrameType.Welcome || frame.type === FrameType.Reject) return frame
  return { ...frame, room: '' }
}
