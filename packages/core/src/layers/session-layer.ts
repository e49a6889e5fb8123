/**
 * The session layer: every connection of the room from dial or accept to close. It runs
 * the handshake (Hello, Welcome, Reject), negotiates the protocol version, checks that a
 * peer is who its transport says, resolves glare (both peers dialing at once), enforces the
 * handshake deadline, decodes every inbound frame once, refuses frames for other rooms or
 * before the handshake, and hands established frames to the room's dispatch table. Frames
 * on an open session leave the room name out (it is implied).
 *
 * In a room with a secret ({@link RoomTrust}), every session first authenticates and then
 * carries only sealed frames (layers/session-trust.ts); the same handshake then runs inside
 * the sealed channel, so the room admits only authenticated peers.
 *
 * What the room decides about a peer (may it join, which peers to share, what a departure
 * means) it asks its {@link SessionPorts}; it knows nothing of views, documents or trees.
 */
import type { RoomKeys } from '../crypto/room-keys.js'
import type { LayerContext } from '../engine/context.js'
import { asError, ProtocolError } from '../errors.js'
import { tryDecodeFrame, type VersionRange } from '../protocol/codec.js'
import { CloseCode, FrameType, type CloseCodeValue, type Frame, type JoinPriorityValue } from '../protocol/messages.js'
import type { Connection, PeerId, Transport } from '../transport.js'
import type { RoomTrust } from '../trust/room-trust.js'
import { rejectError, TRUSTED_VERSIONS, VERSIONS } from './handshake.js'
import { Session } from './session.js'
import type { SessionConfig, SessionDown, SessionPorts } from '../engine/session-ports.js'
import { openConnection } from './session-dial.js'
import { JoinHandshake } from './session-join.js'
import { checkFrame } from './session-frame-check.js'
import { SessionReleases } from './session-release.js'
import { SessionTable } from './session-table.js'
import { TrustedSessions } from './session-trust.js'

export type { SessionConfig } from '../engine/session-ports.js'

/** The session layer of one room. Internal. */
export class SessionLayer {
  readonly #ctx: LayerContext
  readonly #config: SessionConfig
  readonly #transports: readonly Transport[]
  readonly #signal: AbortSignal
  readonly #ports: SessionPorts
  readonly #table: SessionTable
  /** The authenticated sessions of a room with a secret; undefined in an open room. */
  readonly trusted: TrustedSessions | undefined
  readonly #versions: VersionRange
  readonly #join: JoinHandshake
  readonly #releases: SessionReleases
  /** The room is leaving: no new session starts (the connection of a dial that completes is closed). */
  #leaving = false

  constructor(ctx: LayerContext, config: SessionConfig, transports: readonly Transport[], signal: AbortSignal, ports: SessionPorts, trust?: RoomTrust) {
    this.#ctx = ctx
    this.#config = config
    this.#transports = transports
    this.#signal = signal
    this.#ports = ports
    this.#table = new SessionTable(ctx.stats, ctx.report, ctx.meter)
    this.#releases = new SessionReleases(ctx.clock)
    this.#versions = trust === undefined ? VERSIONS : TRUSTED_VERSIONS
    this.#join = new JoinHandshake(ctx, config.handshakeTimeoutMs, this.#versions, this.#table, ports, (session, code, peers) => this.#close(session, code, peers))
    const host = {
      frame: (session: Session, frame: Frame) => this.#handle(session, frame),
      admit: (session: Session, plaintext: Uint8Array) => this.#ports.admit?.(session.peerId, plaintext) !== false,
      authenticated: (session: Session) => this.#join.hello(session),
      abort: (session: Session) => this.#abort(session),
      close: (session: Session, code: CloseCodeValue) => this.#close(session, code),
      redial: (session: Session, keys: RoomKeys) => this.#redial(session, keys),
    }
    this.trusted = trust === undefined ? undefined : new TrustedSessions(ctx, trust, host, { maxPending: config.maxUnproven ?? 8, signal, ...(config.channelLimits === undefined ? {} : { limits: config.channelLimits }) })
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

  /** Inbound connections still proving who they are (rooms with a secret). */
  unproven(): number {
    return this.#table.unproven()
  }

  /** A remote peer opened a connection to us: wait for its Hello (or AuthHello). */
  accept(connection: Connection): void {
    if (this.#signal.aborted || this.#leaving) return connection.close('room closed')
    const session = new Session(connection, false)
    this.#track(session)
    this.trusted?.attach(session)
  }

  /**
   * Dials `peer` through the named transport (default: the first) and sends Hello with
   * `priority` (in a room with a secret: authenticates first, under `keys`, default the
   * current generation). A failed dial is handed to `onFailure` (not after close).
   */
  dial(peer: PeerId, transportName: string | undefined, priority: JoinPriorityValue, onFailure: (error: unknown) => void, keys?: RoomKeys): void {
    this.trusted?.prefetch(peer)
    this.#start(peer, { transport: transportName, priority, onFailure }, keys)
  }

  #start(peer: PeerId, request: NonNullable<Session['dialed']>, keys: RoomKeys | undefined): void {
    this.#table.dialing(peer, true)
    this.#dial(peer, request, keys).catch((error: unknown) => {
      this.#table.dialing(peer, false)
      if (!this.#signal.aborted) request.onFailure(error)
    })
  }

  async #dial(peer: PeerId, request: NonNullable<Session['dialed']>, keys: RoomKeys | undefined): Promise<void> {
    const connection = await openConnection(this.#transports, peer, request.transport, request.priority, this.#signal)
    this.#table.dialing(peer, false)
    if (this.#signal.aborted || this.#leaving) {
      connection.close('room closed')
      return
    }
    const session = new Session(connection, true)
    session.dialed = request
    this.#track(session)
    if (this.trusted === undefined) this.#join.hello(session)
    else this.trusted.attach(session, keys)
  }

  /** The acceptor does not hold the key generation we dialed with: dial again with `keys`. */
  #redial(session: Session, keys: RoomKeys): void {
    const request = session.dialed
    if (request === undefined) return
    // Marked as dialing first, so the room does not dial the peer meanwhile.
    this.#table.dialing(session.peerId, true)
    this.#drop(session, 'closed')
    this.#releases.release(session, 'gossamer: redial with another key generation')
    this.#start(session.peerId, request, keys)
  }

  #track(session: Session): void {
    this.#table.add(session)
    session.disposers.push(
      session.connection.on('message', ({ data }) => this.#receive(session, data)),
      // With a secret, frames already received are opened first (a Disconnect among them says why).
      session.connection.on('close', () => (session.channel === undefined ? this.#drop(session, 'lost') : session.channel.run(async () => this.#lost(session)))),
    )
    session.handshakeTimer = this.#ctx.clock.setTimeout(() => {
      // A dialer still waiting for Welcome: the acceptor may hold the link open (its Welcome was lost).
      if (session.state === 'handshake') this.#close(session, CloseCode.Timeout, [], session.initiator)
    }, this.#config.handshakeTimeoutMs)
  }

  /** Sends a frame on the open session with `peer`, if there is one. */
  send(peer: PeerId, frame: Frame): void {
    this.#table.send(peer, frame)
  }

  /** Sends one frame to the open sessions of `peers`, encoded once (and sealed per session). */
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

  /**
   * The room leaves: no session starts any more, and the promise resolves once every closed
   * session sent what was queued on it before its close (in a room with a secret, frames
   * are sealed asynchronously: the signed presence removal and the Disconnect of a leaving
   * peer are still being sealed when its sessions close). It waits at most the handshake
   * timeout, on the room's clock.
   */
  leave(): Promise<void> {
    this.#leaving = true
    return this.#releases.drained(this.#config.handshakeTimeoutMs)
  }

  #close(session: Session, code?: CloseCodeValue, peers: PeerId[] = [], openThere = false): void {
    if (session.state === 'closed') return
    // (On a session still authenticating, the Disconnect is not sent: it would name the room.)
    // On a link open at the other end, sent three times: nothing acknowledges a goodbye, and a lost one looks like a crash (the peer would be suspected).
    const copies = session.state === 'open' || openThere ? 3 : 1
    if (code !== undefined) for (let copy = 0; copy < copies; copy++) this.#table.sendOn(session, { type: FrameType.Disconnect, room: this.#ctx.room, code, peers })
    this.#drop(session, 'closed')
    this.#releases.release(session, code === undefined ? undefined : `gossamer close code ${code}`)
  }

  /**
   * A session that failed to authenticate, or whose frame did not open: closed without a
   * word. A peer we dialed (or had linked) counts as lost, so it is retried only later; a
   * stranger's connection leaves no trace.
   */
  #abort(session: Session): void {
    if (session.state === 'closed') return
    this.#drop(session, session.initiator || session.state === 'open' ? 'lost' : 'closed')
    this.#releases.release(session, 'gossamer: authentication failed')
  }

  #lost(session: Session): void {
    this.#drop(session, 'lost')
    session.channel?.close()
  }

  #drop(session: Session, cause: SessionDown['cause'], code?: CloseCodeValue, peers: PeerId[] = []): void {
    if (session.state === 'closed') return
    const wasUp = session.state === 'open'
    session.state = 'closed'
    if (session.handshakeTimer !== undefined) this.#ctx.clock.clearTimeout(session.handshakeTimer)
    session.dispose()
    this.#table.remove(session)
    this.trusted?.detach(session)
    const info: SessionDown = { wasUp, cause, peers, transport: session.transport }
    if (code !== undefined) info.code = code
    this.#ports.down(session.peerId, info)
  }

  #receive(session: Session, data: Uint8Array): void {
    if (session.state === 'closed') return
    const stats = this.#ctx.stats
    stats.framesReceived++
    stats.bytesReceived += data.byteLength
    // A room with a secret charges budgets once a frame is opened (see TrustedHost.admit).
    if (this.trusted !== undefined) {
      this.trusted.receive(session, data)
      return
    }
    if (this.#ports.admit?.(session.peerId, data) === false) return
    const result = tryDecodeFrame(data, session.peerId)
    if (!result.ok) {
      stats.framesRejected++
      this.#ctx.report(result.error, session.peerId)
      return
    }
    this.#ctx.meter?.received(result.frame.type, data.byteLength)
    this.#handle(session, result.frame)
  }

  /** Handles a decoded frame (in a room with a secret: one opened from a sealed frame). */
  #handle(session: Session, received: Frame): void {
    if (session.state === 'closed') return
    const stats = this.#ctx.stats
    try {
      // Frames of rooms with a secret, and of another room (an empty room is the session's: refused before the handshake, below).
      const checked = checkFrame(received, this.#ctx.room, session.peerId)
      if (!checked.ok) {
        stats.framesRejected++
        this.#ctx.report(checked.error, session.peerId)
        if (session.state === 'handshake') this.#close(session, checked.code)
        return
      }
      const frame = checked.frame
      switch (frame.type) {
        case FrameType.Hello:
          this.#join.onHello(session, frame)
          return
        case FrameType.Welcome:
          this.#join.onWelcome(session, frame)
          return
        case FrameType.Reject: {
          const error = rejectError(frame, session.peerId, this.#versions)
          if (error !== undefined) this.#ctx.report(error, session.peerId)
          this.#close(session)
          return
        }
        case FrameType.Disconnect:
          this.#drop(session, 'disconnect', frame.code, frame.peers)
          session.channel?.close()
          session.connection.close()
          return
        default:
          break
      }
      if (session.state !== 'open') {
        this.#ctx.report(new ProtocolError(`frame ${frame.type} before the handshake`, session.peerId, { race: true }), session.peerId)
        // The sender holds the link open already (the handshake's last frame was lost on its way here).
        this.#close(session, CloseCode.ProtocolViolation, [], true)
        return
      }
      this.#ports.frame(session.peerId, frame)
    } catch (error) {
      // Nothing may escape a network callback.
      this.#ctx.report(asError(error), session.peerId)
    }
  }
}
