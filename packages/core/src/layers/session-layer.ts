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
import type { LayerContext } from '../engine/context.js'
import { ProtocolError, TransportError } from '../errors.js'
import { tryDecodeFrame } from '../protocol/codec.js'
import {
  CloseCode,
  FrameType,
  JoinPriority,
  type CloseCodeValue,
  type Frame,
  type HelloFrame,
  type JoinPriorityValue,
  type WelcomeFrame,
} from '../protocol/messages.js'
import type { Connection, PeerId, Transport } from '../transport.js'
import { checkHello, checkWelcome, refuseCrossedDial, rejectError, VERSIONS } from './handshake.js'
import { Session } from './session.js'
import type { SessionDown, SessionPorts } from '../engine/session-ports.js'
import { asError, SessionTable } from './session-table.js'

/** Tunables of the session layer. */
export interface SessionConfig {
  handshakeTimeoutMs: number
}

/** The session layer of one room. Internal. */
export class SessionLayer {
  readonly #ctx: LayerContext
  readonly #config: SessionConfig
  readonly #transports: readonly Transport[]
  readonly #signal: AbortSignal
  readonly #ports: SessionPorts
  readonly #table: SessionTable

  constructor(ctx: LayerContext, config: SessionConfig, transports: readonly Transport[], signal: AbortSignal, ports: SessionPorts) {
    this.#ctx = ctx
    this.#config = config
    this.#transports = transports
    this.#signal = signal
    this.#ports = ports
    this.#table = new SessionTable(ctx.stats, ctx.report, ctx.meter)
  }

  /** Sessions in any state plus dials in flight: each holds a slot of the active view. */
  count(): number {
    return this.#table.count()
  }

  /** True when a session (in any state) or a dial with `peer` exists. */
  has(peer: PeerId): boolean {
    return this.#table.has(peer)
  }

  /** Peers of every session and dial in flight. */
  peers(): PeerId[] {
    return this.#table.peers()
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
    this.#table.dialing(peer, true)
    this.#dial(peer, transportName, priority).catch((error: unknown) => {
      this.#table.dialing(peer, false)
      if (!this.#signal.aborted) onFailure(error)
    })
  }

  async #dial(peer: PeerId, transportName: string | undefined, priority: JoinPriorityValue): Promise<void> {
    const found = transportName === undefined ? undefined : this.#transports.find((t) => t.name === transportName)
    const transport = found ?? this.#transports[0]
    if (transport === undefined) throw new TransportError('the room has no transport')
    const connection = await transport.dial(peer, { signal: this.#signal, urgent: priority === JoinPriority.High })
    this.#table.dialing(peer, false)
    if (this.#signal.aborted) {
      connection.close('room closed')
      return
    }
    const session = new Session(connection, true)
    this.#track(session)
    this.#table.sendOn(session, {
      type: FrameType.Hello,
      room: this.#ctx.room,
      peerId: this.#ctx.peerId,
      versionMin: VERSIONS.min,
      versionMax: VERSIONS.max,
      priority,
      peers: this.#ports.sample(peer),
    })
  }

  #track(session: Session): void {
    this.#table.add(session)
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
    this.#table.send(peer, frame)
  }

  /** Sends one frame to the open sessions of `peers`, encoded once. */
  sendMany(peers: readonly PeerId[], frame: Frame): void {
    this.#table.sendMany(peers, frame)
  }

  /** Closes the open session with `peer`, telling it why when `code` is given. */
  close(peer: PeerId, code?: CloseCodeValue, peers: PeerId[] = []): void {
    const session = this.#table.open(peer)
    if (session !== undefined) this.#close(session, code, peers)
  }

  /** Closes every session, each with `code` and the peers `sampleFor` suggests to it. */
  closeAll(code: CloseCodeValue, sampleFor: (peer: PeerId) => PeerId[]): void {
    for (const session of this.#table.all()) this.#close(session, code, sampleFor(session.peerId))
  }

  #close(session: Session, code?: CloseCodeValue, peers: PeerId[] = []): void {
    if (session.state === 'closed') return
    if (code !== undefined) this.#table.sendOn(session, { type: FrameType.Disconnect, room: this.#ctx.room, code, peers })
    this.#drop(session, 'closed')
    session.connection.close(code === undefined ? undefined : `gossamer close code ${code}`)
  }

  #drop(session: Session, cause: SessionDown['cause'], code?: CloseCodeValue, peers: PeerId[] = []): void {
    if (session.state === 'closed') return
    const wasUp = session.state === 'open'
    session.state = 'closed'
    if (session.handshakeTimer !== undefined) this.#ctx.clock.clearTimeout(session.handshakeTimer)
    session.dispose()
    this.#table.remove(session)
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
      this.#ctx.meter?.received(frame.type, data.byteLength)
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
        case FrameType.Reject: {
          const error = rejectError(frame, session.peerId)
          if (error !== undefined) this.#ctx.report(error, session.peerId)
          this.#close(session)
          return
        }
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
    const check = checkHello(frame, peer)
    if (!check.ok) {
      this.#reject(session, check.code, check.reason)
      this.#ctx.report(check.error, peer)
      this.#close(session)
      return
    }
    this.#ports.learn(frame.peers, session.transport)
    for (const other of this.#table.all()) {
      if (other === session || other.peerId !== peer) continue
      // Glare: both dialed at once (our dial may even have completed first, when its Welcome
      // overtook this Hello): the session dialed by the smaller peer id survives. An open
      // session older than a handshake is a stale one that this redial replaces.
      const crossed = other.state === 'handshake' || this.#ctx.clock.now() - other.openedAt < this.#config.handshakeTimeoutMs
      if (other.initiator && crossed && refuseCrossedDial(this.#ctx.peerId, peer)) {
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
    session.version = check.version
    const accepted = frame.priority !== JoinPriority.Transient
    this.#table.sendOn(session, { type: FrameType.Welcome, room: this.#ctx.room, peerId: this.#ctx.peerId, version: check.version, accepted, peers: this.#ports.sample(peer) })
    this.#up(session, accepted)
  }

  #reject(session: Session, code: CloseCodeValue, reason: string): void {
    this.#table.sendOn(session, { type: FrameType.Reject, room: this.#ctx.room, code, reason, versionMin: VERSIONS.min, versionMax: VERSIONS.max })
  }

  #onWelcome(session: Session, frame: WelcomeFrame): void {
    const peer = session.peerId
    if (!session.initiator || session.state !== 'handshake') {
      this.#ctx.report(new ProtocolError('unexpected Welcome', peer), peer)
      return
    }
    const check = checkWelcome(frame, peer)
    if (!check.ok) {
      this.#ctx.report(check.error, peer)
      this.#close(session, check.code)
      return
    }
    session.version = frame.version
    this.#ports.learn(frame.peers, session.transport)
    this.#up(session, frame.accepted)
  }

  #up(session: Session, neighbour: boolean): void {
    const previous = this.#table.open(session.peerId)
    if (previous !== undefined && previous !== session) this.#close(previous, CloseCode.Duplicate)
    session.state = 'open'
    session.openedAt = this.#ctx.clock.now()
    if (session.handshakeTimer !== undefined) this.#ctx.clock.clearTimeout(session.handshakeTimer)
    session.handshakeTimer = undefined
    this.#table.opened(session)
    this.#ports.up(session.peerId, { neighbour, initiator: session.initiator, transport: session.transport })
  }
}
