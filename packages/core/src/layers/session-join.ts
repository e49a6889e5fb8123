/**
 * The room's join handshake on a session: Hello from the dialer (priority, a peer sample),
 * answered by Welcome, Reject or Disconnect (Full). It checks versions and the peer id,
 * resolves glare (both peers dialing at once), asks the room whether the peer may join,
 * and marks the session open. In a room with a secret it runs inside the sealed channel,
 * after authentication, so only authenticated peers are ever admitted. Internal.
 */
import type { LayerContext } from '../engine/context.js'
import type { SessionPorts } from '../engine/session-ports.js'
import { ProtocolError } from '../errors.js'
import type { VersionRange } from '../protocol/codec.js'
import { CloseCode, FrameType, JoinPriority, type CloseCodeValue, type HelloFrame, type WelcomeFrame } from '../protocol/messages.js'
import type { PeerId } from '../transport.js'
import { checkHello, checkWelcome, refuseCrossedDial } from './handshake.js'
import type { Session } from './session.js'
import type { SessionTable } from './session-table.js'

/** The join handshake of a room's sessions. Internal. */
export class JoinHandshake {
  readonly #ctx: LayerContext
  readonly #handshakeTimeoutMs: number
  readonly #versions: VersionRange
  readonly #table: SessionTable
  readonly #ports: SessionPorts
  readonly #close: (session: Session, code?: CloseCodeValue, peers?: PeerId[]) => void

  constructor(
    ctx: LayerContext,
    handshakeTimeoutMs: number,
    versions: VersionRange,
    table: SessionTable,
    ports: SessionPorts,
    close: (session: Session, code?: CloseCodeValue, peers?: PeerId[]) => void,
  ) {
    this.#ctx = ctx
    this.#handshakeTimeoutMs = handshakeTimeoutMs
    this.#versions = versions
    this.#table = table
    this.#ports = ports
    this.#close = close
  }

  /** The dialer's Hello on `session`: the priority it was dialed with and a peer sample. */
  hello(session: Session): void {
    this.#table.sendOn(session, {
      type: FrameType.Hello,
      room: this.#ctx.room,
      peerId: this.#ctx.peerId,
      versionMin: this.#versions.min,
      versionMax: this.#versions.max,
      priority: session.dialed?.priority ?? JoinPriority.Low,
      peers: this.#ports.sample(session.peerId),
    })
  }

  /** The acceptor handles a Hello: refuse it, or admit the peer (Welcome) and open the session. */
  onHello(session: Session, frame: HelloFrame): void {
    const peer = session.peerId
    if (session.initiator || session.state !== 'handshake') {
      this.#ctx.report(new ProtocolError('unexpected Hello', peer, { race: true }), peer)
      return
    }
    const check = checkHello(frame, peer, this.#versions)
    if (!check.ok) {
      this.#reject(session, check.code, check.reason)
      this.#ctx.report(check.error, peer)
      this.#close(session)
      return
    }
    this.#ports.learn(frame.peers, session.transport, peer)
    for (const other of this.#table.all()) {
      if (other === session || other.peerId !== peer) continue
      // Glare: both dialed at once (our dial may even have completed first, when its Welcome
      // overtook this Hello): the session dialed by the smaller peer id survives. An open
      // session older than a handshake is a stale one that this redial replaces.
      const crossed = other.state === 'handshake' || this.#ctx.clock.now() - other.openedAt < this.#handshakeTimeoutMs
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
    this.#table.sendOn(session, { type: FrameType.Reject, room: this.#ctx.room, code, reason, versionMin: this.#versions.min, versionMax: this.#versions.max })
  }

  /** The dialer handles the Welcome: the session opens. */
  onWelcome(session: Session, frame: WelcomeFrame): void {
    const peer = session.peerId
    if (!session.initiator || session.state !== 'handshake') {
      this.#ctx.report(new ProtocolError('unexpected Welcome', peer, { race: true }), peer)
      return
    }
    const check = checkWelcome(frame, peer, this.#versions)
    if (!check.ok) {
      this.#ctx.report(check.error, peer)
      this.#close(session, check.code)
      return
    }
    session.version = frame.version
    this.#ports.learn(frame.peers, session.transport, peer)
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
