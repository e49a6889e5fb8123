/**
 * The sessions of a room with a secret: each gets a {@link SecureChannel}, runs the
 * authenticated key exchange (AuthHello, AuthWelcome, AuthConfirm) before anything else,
 * and from then on carries only Sealed frames, opened in order and handed to the session
 * layer's usual handshake (Hello, Welcome) and dispatch. It refuses anything else, cuts off
 * a session whose frame does not open, bounds the connections still authenticating, and
 * moves sessions between key generations (rekey, expiry). An outsider gets nothing: a
 * failed handshake is closed with at most a Disconnect that names no room and no peer.
 */
import type { RoomKeys } from '../crypto/room-keys.js'
import type { LayerContext } from '../engine/context.js'
import { AuthenticationError, GossamerError, ProtocolError, VersionMismatchError } from '../errors.js'
import { encodeFrame, tryDecodeFrame } from '../protocol/codec.js'
import { CloseCode, FrameType, type CloseCodeValue, type DisconnectFrame, type Frame } from '../protocol/messages.js'
import { isAuthFrame } from '../protocol/messages-auth.js'
import type { RoomTrust } from '../trust/room-trust.js'
import { SecureChannel, type ChannelLimits } from './secure-channel.js'
import { acceptAuthConfirm, acceptAuthHello, acceptAuthWelcome, authHello, type AcceptorAuth, type AuthResult, type DialerAuth } from './session-auth.js'
import { Rekeyer } from './session-rekey.js'
import type { Session } from './session.js'

/** What the trusted sessions ask of the session layer. */
export interface TrustedHost {
  /** An opened frame of an authenticated session (a handshake or room frame), in order. */
  frame(session: Session, frame: Frame): void
  /**
   * Charges an opened frame (its plaintext) to the sender's budgets before it is decoded;
   * false: drop it. Budgets are charged after opening, never before: a sealed frame dropped
   * unread would leave a gap in the channel's sequence numbers, and the next frame would
   * fail the whole session.
   */
  admit(session: Session, plaintext: Uint8Array): boolean
  /** The dialer's handshake is authenticated: it sends its Hello now. */
  authenticated(session: Session): void
  /** Closes the session now: nothing new is sent (what is already queued still goes out). */
  abort(session: Session): void
  /** Closes an authenticated session, telling the peer `code` (sealed). */
  close(session: Session, code: CloseCodeValue): void
  /** The acceptor does not hold the generation we dialed with: dial it again with `keys`. */
  redial(session: Session, keys: RoomKeys): void
}

/** Tunables of the trusted sessions. */
export interface TrustedConfig {
  /** Most inbound connections still authenticating; a new one closes the oldest. */
  maxPending: number
  /** Aborted when the network session ends. */
  signal: AbortSignal
  /** Bounds of each channel's queues (default: {@link CHANNEL_LIMITS}). */
  limits?: ChannelLimits
}

/** The handshake of one session while it authenticates. */
type Pending = { role: 'dialer'; sent: DialerAuth | undefined } | { role: 'acceptor'; answered: AcceptorAuth | undefined }

/** The trusted sessions of one room. Internal. */
export class TrustedSessions {
  readonly #ctx: LayerContext
  readonly #trust: RoomTrust
  readonly #host: TrustedHost
  readonly #config: TrustedConfig
  readonly #sessions = new Set<Session>()
  /** Inbound sessions still authenticating, oldest first. */
  readonly #unproven = new Set<Session>()
  readonly #pending = new WeakMap<Session, Pending>()
  readonly rekeyer: Rekeyer

  constructor(ctx: LayerContext, trust: RoomTrust, host: TrustedHost, config: TrustedConfig) {
    this.#ctx = ctx
    this.#trust = trust
    this.#host = host
    this.#config = config
    this.rekeyer = new Rekeyer(trust, {
      send: (session, frame) => session.channel?.sendSealed(encodeFrame(frame)),
      fail: (session, error) => this.#fail(session, error),
    })
  }

  /**
   * The room moved to another current generation (`room.rotateSecret`, room-rotate.ts):
   * every authenticated session rekeys to it in band. New handshakes use it already.
   */
  rekeyAll(): void {
    if (this.#config.signal.aborted) return
    for (const session of this.#sessions) this.rekeyer.update(session)
  }

  /** Gives `session` its channel. A dialed session sends its AuthHello under `keys` (default: the current generation). */
  attach(session: Session, keys: RoomKeys = this.#trust.keys): void {
    const stats = this.#ctx.stats
    session.channel = new SecureChannel({
      room: this.#ctx.room,
      local: this.#ctx.peerId,
      remote: session.peerId,
      ...(this.#config.limits === undefined ? {} : { limits: this.#config.limits }),
      transmit: (bytes) => {
        if (session.connection.closed) return
        stats.framesSent++
        stats.bytesSent += bytes.byteLength
        session.connection.send(bytes)
      },
      fail: (error) => this.#fail(session, error),
    })
    this.#sessions.add(session)
    if (!session.initiator) {
      this.#pending.set(session, { role: 'acceptor', answered: undefined })
      this.#unproven.add(session)
      if (this.#unproven.size > this.#config.maxPending) {
        const oldest = this.#unproven.values().next().value
        if (oldest !== undefined) this.#fail(oldest, new AuthenticationError('crowded', 'too many connections were authenticating: the oldest was closed', oldest.peerId), false)
      }
      return
    }
    const pending: Pending = { role: 'dialer', sent: undefined }
    this.#pending.set(session, pending)
    session.channel.run(async () => {
      pending.sent = await authHello(this.#trust, keys)
      session.channel?.sendPlain(encodeFrame(pending.sent.hello))
    })
  }

  /** The key generation (fingerprint) of each authenticated session, by peer. */
  generations(): Map<string, string> {
    const out = new Map<string, string>()
    for (const session of this.#sessions) if (session.channel?.phase === 'sealed' && session.channel.keys !== undefined) out.set(session.peerId, session.channel.keys.fingerprint)
    return out
  }

  /** We are about to dial `peer`: its key is imported meanwhile (the handshake then only verifies). */
  prefetch(peer: string): void {
    this.#trust.verifier(peer).catch(() => undefined)
  }

  /** The session ended: forget it. */
  detach(session: Session): void {
    this.#sessions.delete(session)
    this.#unproven.delete(session)
    this.#pending.delete(session)
  }

  /** A message arrived on `session`: it is handled after every earlier one. */
  receive(session: Session, data: Uint8Array): void {
    session.channel?.receive(data, (bytes) => this.#step(session, bytes))
  }

  /**
   * Generation `keys` ended its grace period (the room dropped it already): sessions still on
   * it, or authenticating with it, close, each reported and counted in `authFailures`.
   */
  expire(keys: RoomKeys): void {
    for (const session of [...this.#sessions]) {
      const channel = session.channel
      if (channel === undefined) continue
      const pending = this.#pending.get(session)
      const authenticating = pending?.role === 'dialer' ? pending.sent?.keys : pending?.answered?.keys
      if (channel.phase === 'sealed' && channel.keys === keys) {
        this.#ctx.stats.authFailures++
        this.#ctx.report(new AuthenticationError('key-expired', `the session is still on key generation ${keys.fingerprint} after its grace period`, session.peerId), session.peerId)
        this.#host.close(session, CloseCode.UnknownRoom)
      } else if (channel.phase === 'auth' && authenticating === keys) {
        this.#fail(session, new AuthenticationError('key-expired', `the handshake used key generation ${keys.fingerprint}, whose grace period ended`, session.peerId), false)
      }
    }
  }

  async #step(session: Session, data: Uint8Array): Promise<void> {
    if (session.state === 'closed') return
    const channel = session.channel
    const decoded = tryDecodeFrame(data, session.peerId)
    if (!decoded.ok) return this.#fail(session, decoded.error)
    const frame = decoded.frame
    if (channel?.phase === 'auth') return this.#authStep(session, frame)
    if (frame.type !== FrameType.Sealed || channel === undefined) return this.#unexpected(session, `frame type ${frame.type} in the clear on an authenticated session`)
    const plaintext = await channel.open(frame.sealed)
    if (closed(session) || !this.#host.admit(session, plaintext)) return
    const inner = tryDecodeFrame(plaintext, session.peerId)
    if (!inner.ok) {
      // An authenticated peer sent a malformed frame: dropped and reported, as in any room.
      this.#ctx.stats.framesRejected++
      this.#ctx.report(inner.error, session.peerId)
      return
    }
    const opened = inner.frame
    if (opened.type === FrameType.Rekey) return this.rekeyer.onFrame(session, opened)
    if (isAuthFrame(opened)) return this.#unexpected(session, `frame type ${opened.type} inside a sealed frame`)
    this.#ctx.meter?.received(opened.type, plaintext.byteLength)
    this.#host.frame(session, opened)
  }

  async #authStep(session: Session, frame: Frame): Promise<void> {
    const pending = this.#pending.get(session)
    if (pending === undefined) return
    if (frame.type === FrameType.Disconnect) return this.#refused(session, frame, pending)
    if (pending.role === 'acceptor' && pending.answered === undefined && frame.type === FrameType.AuthHello) {
      const result = await acceptAuthHello(this.#trust, frame, session.peerId)
      if (!result.ok) return this.#refuse(session, result.error)
      if (closed(session)) return
      pending.answered = result
      session.channel?.sendPlain(encodeFrame(result.welcome))
      // It holds the secret: import its key while the AuthWelcome travels (the AuthConfirm then only verifies).
      this.prefetch(session.peerId)
      return
    }
    if (pending.role === 'acceptor' && pending.answered !== undefined && frame.type === FrameType.AuthConfirm) {
      const result = await acceptAuthConfirm(this.#trust, pending.answered, frame, session.peerId)
      if (!result.ok) return this.#fail(session, result.error)
      return this.#established(session, result, 'acceptor')
    }
    if (pending.role === 'dialer' && pending.sent !== undefined && frame.type === FrameType.AuthWelcome) {
      const result = await acceptAuthWelcome(this.#trust, pending.sent, frame, session.peerId)
      if (!result.ok) return this.#fail(session, result.error)
      session.channel?.sendPlain(encodeFrame(result.confirm))
      return this.#established(session, result, 'initiator')
    }
    this.#unexpected(session, `frame type ${frame.type} during the authentication of the session`)
  }

  async #established(session: Session, result: AuthResult, role: 'initiator' | 'acceptor'): Promise<void> {
    const keys = await result.session
    const channel = session.channel
    if (closed(session) || channel === undefined) return
    if (result.keys !== this.#trust.keys && !this.#trust.previousKeys.includes(result.keys)) {
      return this.#fail(session, new AuthenticationError('key-expired', 'the handshake\'s key generation ended its grace period', session.peerId), false)
    }
    channel.install(result.keys, keys, result.version)
    this.#unproven.delete(session)
    this.#pending.delete(session)
    session.version = result.version
    if (role === 'initiator') this.#host.authenticated(session)
    this.rekeyer.update(session)
  }

  /** The acceptor refused our handshake (Disconnect in the clear): retry an older generation, or give up. */
  #refused(session: Session, frame: DisconnectFrame, pending: Pending): void {
    if (pending.role === 'dialer' && frame.code === CloseCode.UnknownRoom && pending.sent !== undefined) {
      const ring = [this.#trust.keys, ...this.#trust.previousKeys]
      const older = ring[ring.indexOf(pending.sent.keys) + 1]
      if (ring.includes(pending.sent.keys) && older !== undefined) return this.#host.redial(session, older)
    }
    const why = frame.code === CloseCode.VersionMismatch ? 'no common protocol version' : `close code ${frame.code}`
    const error = new AuthenticationError('refused', `the peer refused the handshake (${why})`, session.peerId)
    this.#fail(session, error, false)
  }

  /**
   * Refuses an AuthHello. A dialer that may simply hold another generation (or speak another
   * version) is told so with a Disconnect that names no room and no peer; anything else is
   * closed without a word.
   */
  #refuse(session: Session, error: AuthenticationError | VersionMismatchError): void {
    let code: CloseCodeValue | undefined
    if (error instanceof VersionMismatchError) code = CloseCode.VersionMismatch
    else if (error.reason === 'unknown-key' || error.reason === 'bad-tag') code = CloseCode.UnknownRoom
    if (code !== undefined) session.channel?.sendPlain(encodeFrame({ type: FrameType.Disconnect, room: '', code, peers: [] }))
    this.#fail(session, error)
  }

  #unexpected(session: Session, message: string): void {
    this.#fail(session, new AuthenticationError('unexpected-frame', message, session.peerId))
  }

  /** Reports `error`, counts it, and closes the session without another word (what is queued still goes). */
  #fail(session: Session, error: Error, rejectedFrame = true): void {
    if (session.state === 'closed') return
    const stats = this.#ctx.stats
    if (rejectedFrame) stats.framesRejected++
    stats.authFailures++
    this.#ctx.report(error instanceof GossamerError ? error : new ProtocolError(error.message, session.peerId, { cause: error }), session.peerId)
    this.#host.abort(session)
  }
}

/** Whether `session` closed (read after an await: it may have closed meanwhile). */
function closed(session: Session): boolean {
  return session.state === 'closed'
}
