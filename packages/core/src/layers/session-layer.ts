/**
 * The session layer: every connection of the room from dial or accept to close. It runs
 * the handshake (Hello, Welcome, Reject), negotiates the protocol version, checks that a
 * peer is who its transport says, resolves glare (both peers dialing at once), enforces the
 * handshake deadline, decodes every inbound frame once, refuses frames for other rooms or
 * before the handshake, and hands established frames to the room's dispatch table. Frames
 * on an open session leave the room name out (it is implied).
 *
 * What the room decides about a peer (may it join, which peers to share, what a departure
 * means) it asks its {@link SessionPorts}; it knows nothing of views, documents or trees.
 */
import type { LayerContext, LinkInfo } from '../engine/context.js'
import type { RoomFrame } from '../engine/dispatch.js'
import { ProtocolError, TransportError, VersionMismatchError } from '../errors.js'
import { negotiateVersion, tryDecodeFrame } from '../protocol/codec.js'
import {
  CloseCode,
  FrameType,
  JoinPriority,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type CloseCodeValue,
  type Frame,
  type HelloFrame,
  type JoinPriorityValue,
  type RejectFrame,
  type WelcomeFrame,
} from '../protocol/messages.js'
import type { Connection, PeerId, Transport } from '../transport.js'
import { Session } from './session.js'

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
  /** A handshake frame shared these peers, seen through `transport`. */
  learn(peers: readonly PeerId[], transport: string): void
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
}

/** Tunables of the session layer. */
export interface SessionConfig {
  handshakeTimeoutMs: number
}

const VERSIONS = { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION }

/** The session layer of one room. Internal. */
export class SessionLayer {
  readonly #ctx: LayerContext
  readonly #config: SessionConfig
  readonly #transports: readonly Transport[]
  readonly #signal: AbortSignal
  readonly #ports: SessionPorts
  /** Every session, in the order it was created. */
  readonly #sessions = new Set<Session>()
  /** Open sessions by peer (at most one per peer). */
  readonly #open = new Map<PeerId, Session>()
  /** Dials in flight. */
  readonly #dialing = new Set<PeerId>()

  constructor(ctx: LayerContext, config: SessionConfig, transports: readonly Transport[], signal: AbortSignal, ports: SessionPorts) {
    this.#ctx = ctx
    this.#config = config
    this.#transports = transports
    this.#signal = signal
    this.#ports = ports
  }

  /** Sessions in any state plus dials in flight: each holds a slot of the active view. */
  count(): number {
    return this.#sessions.size + this.#dialing.size
  }

  /** True when a session (in any state) or a dial with `peer` exists. */
  has(peer: PeerId): boolean {
    if (this.#dialing.has(peer)) return true
    for (const session of this.#sessions) if (session.peerId === peer) return true
    return false
  }

  /** Peers of every session and dial in flight. */
  peers(): PeerId[] {
    return [...this.#dialing, ...[...this.#sessions].map((s) => s.peerId)]
  }

  /** A remote peer opened a connection to us: wait for its Hello. */
  accept(connection: Connection): void {
    if (this.#signal.aborted) {
      connection.close('room closed')
      return
    }
    this.#track(new Session(connection, false))
  }

  /**
   * Dials `peer` through the named transport (default: the first) and sends Hello with
   * `priority`. A failed dial is handed to `onFailure` (not after close).
   */
  dial(peer: PeerId, transportName: string | undefined, priority: JoinPriorityValue, onFailure: (error: unknown) => void): void {
    this.#dialing.add(peer)
    void this.#dial(peer, transportName, priority).then(
      (session) => {
        this.#dialing.delete(peer)
        if (session === undefined) return
        this.#track(session)
        this.#sendOn(session, {
          type: FrameType.Hello,
          room: this.#ctx.room,
          peerId: this.#ctx.peerId,
          versionMin: VERSIONS.min,
          versionMax: VERSIONS.max,
          priority,
          peers: this.#ports.sample(peer),
        })
      },
      (error: unknown) => {
        this.#dialing.delete(peer)
        if (!this.#signal.aborted) onFailure(error)
      },
    )
  }

  async #dial(peer: PeerId, transportName: string | undefined, priority: JoinPriorityValue): Promise<Session | undefined> {
    const found = transportName === undefined ? undefined : this.#transports.find((t) => t.name === transportName)
    const transport = found ?? this.#transports[0]
    if (transport === undefined) throw new TransportError('the room has no transport')
    const connection = await transport.dial(peer, { signal: this.#signal, urgent: priority === JoinPriority.High })
    if (this.#signal.aborted) {
      connection.close('room closed')
      return undefined
    }
    return new Session(connection, true)
  }

  #track(session: Session): void {
    this.#sessions.add(session)
    session.disposers.push(
      session.connection.on('message', ({ data }) => this.#receive(session, data)),
      session.connection.on('close', () => this.#drop(session, 'lost')),
    )
    session.handshakeTimer = this.#ctx.clock.setTimeout(() => {
      if (session.state === 'handshake') this.#close(session, CloseCode.Timeout)
    }, this.#config.handshakeTimeoutMs)
  }

  /** Sends a frame on the open session with `peer`, if there is one. */
  send(peer: PeerId, frame: Frame): void {
    const session = this.#open.get(peer)
    if (session !== undefined) this.#sendOn(session, frame)
  }

  /** Sends one frame to the open sessions of `peers`, encoded once. */
  sendMany(peers: readonly PeerId[], frame: Frame): void {
    let bytes: Uint8Array | undefined
    for (const peer of peers) {
      const session = this.#open.get(peer)
      if (session === undefined) continue
      if (bytes === undefined) {
        try {
          bytes = session.encode(frame)
        } catch (error) {
          this.#ctx.report(asError(error), peer)
          return
        }
      }
      this.#sendBytes(session, bytes)
    }
  }

  #sendOn(session: Session, frame: Frame): void {
    let bytes: Uint8Array
    try {
      bytes = session.encode(frame)
    } catch (error) {
      // encode refuses frames peers would reject: a bug here, never a crash.
      this.#ctx.report(asError(error), session.peerId)
      return
    }
    this.#sendBytes(session, bytes)
  }

  #sendBytes(session: Session, bytes: Uint8Array): void {
    if (session.connection.closed) return
    this.#ctx.stats.framesSent++
    this.#ctx.stats.bytesSent += bytes.byteLength
    session.sendBytes(bytes)
  }

  /** Closes the open session with `peer`, telling it why when `code` is given. */
  close(peer: PeerId, code?: CloseCodeValue, peers: PeerId[] = []): void {
    const session = this.#open.get(peer)
    if (session !== undefined) this.#close(session, code, peers)
  }

  /** Closes every session, each with `code` and the peers `sampleFor` suggests to it. */
  closeAll(code: CloseCodeValue, sampleFor: (peer: PeerId) => PeerId[]): void {
    for (const session of [...this.#sessions]) this.#close(session, code, sampleFor(session.peerId))
  }

  #close(session: Session, code?: CloseCodeValue, peers: PeerId[] = []): void {
    if (session.state === 'closed') return
    if (code !== undefined) this.#sendOn(session, { type: FrameType.Disconnect, room: this.#ctx.room, code, peers })
    this.#drop(session, 'closed')
    session.connection.close(code === undefined ? undefined : `gossamer close code ${code}`)
  }

  #drop(session: Session, cause: SessionDown['cause'], code?: CloseCodeValue, peers: PeerId[] = []): void {
    if (session.state === 'closed') return
    const wasUp = session.state === 'open'
    session.state = 'closed'
    if (session.handshakeTimer !== undefined) this.#ctx.clock.clearTimeout(session.handshakeTimer)
    session.dispose()
    this.#sessions.delete(session)
    if (this.#open.get(session.peerId) === session) this.#open.delete(session.peerId)
    const info: SessionDown = { wasUp, cause, peers, transport: session.transport }
    if (code !== undefined) info.code = code
    this.#ports.down(session.peerId, info)
  }

  #receive(session: Session, data: Uint8Array): void {
    if (session.state === 'closed') return
    const stats = this.#ctx.stats
    stats.framesReceived++
    stats.bytesReceived += data.byteLength
    try {
      const result = tryDecodeFrame(data, session.peerId)
      if (!result.ok) {
        stats.framesRejected++
        this.#ctx.report(result.error, session.peerId)
        return
      }
      const frame = result.frame
      // An empty room means the session's room (refused before the handshake, below).
      if (frame.room !== this.#ctx.room && frame.room !== '') {
        stats.framesRejected++
        this.#ctx.report(new ProtocolError(`frame for unknown room "${frame.room}"`, session.peerId), session.peerId)
        if (session.state === 'handshake') this.#close(session, CloseCode.UnknownRoom)
        return
      }
      switch (frame.type) {
        case FrameType.Hello:
          this.#onHello(session, frame)
          return
        case FrameType.Welcome:
          this.#onWelcome(session, frame)
          return
        case FrameType.Reject:
          this.#onReject(session, frame)
          return
        case FrameType.Disconnect:
          this.#drop(session, 'disconnect', frame.code, frame.peers)
          session.connection.close()
          return
        default:
          break
      }
      if (session.state !== 'open') {
        this.#ctx.report(new ProtocolError(`frame ${frame.type} before the handshake`, session.peerId), session.peerId)
        this.#close(session, CloseCode.ProtocolViolation)
        return
      }
      this.#ports.frame(session.peerId, frame)
    } catch (error) {
      // Nothing may escape a network callback.
      this.#ctx.report(asError(error), session.peerId)
    }
  }

  #onHello(session: Session, frame: HelloFrame): void {
    const peer = session.peerId
    if (session.initiator || session.state !== 'handshake') {
      this.#ctx.report(new ProtocolError('unexpected Hello', peer), peer)
      return
    }
    const remote = { min: frame.versionMin, max: frame.versionMax }
    const version = negotiateVersion(VERSIONS, remote)
    if (version === undefined) {
      this.#reject(session, CloseCode.VersionMismatch, 'no common protocol version')
      this.#ctx.report(new VersionMismatchError(VERSIONS, remote, peer), peer)
      this.#close(session)
      return
    }
    if (frame.peerId !== peer) {
      this.#reject(session, CloseCode.ProtocolViolation, 'peer id does not match the connection')
      this.#ctx.report(new ProtocolError(`Hello claims peer id ${frame.peerId}`, peer), peer)
      this.#close(session)
      return
    }
    this.#ports.learn(frame.peers, session.transport)
    for (const other of [...this.#sessions]) {
      if (other === session || other.peerId !== peer) continue
      // Glare: both dialed at once. The session dialed by the smaller peer id survives.
      if (other.state === 'handshake' && other.initiator && this.#ctx.peerId < peer) {
        this.#reject(session, CloseCode.Duplicate, 'duplicate connection')
        this.#close(session)
        return
      }
      this.#close(other, CloseCode.Duplicate)
    }
    const decision = this.#ports.join(peer, frame.priority)
    if (!decision.accept) {
      this.#close(session, decision.code, decision.peers)
      return
    }
    session.version = version
    const accepted = frame.priority !== JoinPriority.Transient
    this.#sendOn(session, { type: FrameType.Welcome, room: this.#ctx.room, peerId: this.#ctx.peerId, version, accepted, peers: this.#ports.sample(peer) })
    this.#up(session, accepted)
  }

  #reject(session: Session, code: CloseCodeValue, reason: string): void {
    this.#sendOn(session, { type: FrameType.Reject, room: this.#ctx.room, code, reason, versionMin: VERSIONS.min, versionMax: VERSIONS.max })
  }

  #onWelcome(session: Session, frame: WelcomeFrame): void {
    const peer = session.peerId
    if (!session.initiator || session.state !== 'handshake') {
      this.#ctx.report(new ProtocolError('unexpected Welcome', peer), peer)
      return
    }
    if (frame.version < VERSIONS.min || frame.version > VERSIONS.max) {
      this.#ctx.report(new VersionMismatchError(VERSIONS, { min: frame.version, max: frame.version }, peer), peer)
      this.#close(session, CloseCode.VersionMismatch)
      return
    }
    if (frame.peerId !== peer) {
      this.#ctx.report(new ProtocolError(`Welcome claims peer id ${frame.peerId}`, peer), peer)
      this.#close(session, CloseCode.ProtocolViolation)
      return
    }
    session.version = frame.version
    this.#ports.learn(frame.peers, session.transport)
    this.#up(session, frame.accepted)
  }

  #onReject(session: Session, frame: RejectFrame): void {
    const peer = session.peerId
    // A crossed dial (glare) is routine, not an error.
    if (frame.code !== CloseCode.Duplicate) {
      this.#ctx.report(
        frame.code === CloseCode.VersionMismatch
          ? new VersionMismatchError(VERSIONS, { min: frame.versionMin, max: frame.versionMax }, peer)
          : new ProtocolError(`peer rejected the connection: ${frame.reason}`, peer),
        peer,
      )
    }
    this.#close(session)
  }

  #up(session: Session, neighbour: boolean): void {
    const previous = this.#open.get(session.peerId)
    if (previous !== undefined && previous !== session) this.#close(previous, CloseCode.Duplicate)
    session.state = 'open'
    if (session.handshakeTimer !== undefined) this.#ctx.clock.clearTimeout(session.handshakeTimer)
    session.handshakeTimer = undefined
    this.#open.set(session.peerId, session)
    this.#ports.up(session.peerId, { neighbour, initiator: session.initiator, transport: session.transport })
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
