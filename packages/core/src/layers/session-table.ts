/**
 * The sessions of a room and how frames go out on them: every session in creation order,
 * the open one per peer, the dials in flight, and sending (one encoding shared by many
 * sessions). Counts what it sends.
 */
import { asError } from '../errors.js'
import type { FrameMeter } from '../engine/frame-meter.js'
import type { Frame } from '../protocol/messages.js'
import type { RoomStats } from '../room-stats.js'
import type { PeerId } from '../transport.js'
import type { Session } from './session.js'

/** The session table of one room. Internal. */
export class SessionTable {
  readonly #stats: RoomStats
  readonly #report: (error: Error, peer?: PeerId) => void
  readonly #meter: FrameMeter | undefined
  /** Every session, in the order it was created. */
  readonly #all = new Set<Session>()
  /** Open sessions by peer (at most one per peer). */
  readonly #open = new Map<PeerId, Session>()
  /** Dials in flight. */
  readonly #dialing = new Set<PeerId>()

  constructor(stats: RoomStats, report: (error: Error, peer?: PeerId) => void, meter?: FrameMeter) {
    this.#stats = stats
    this.#report = report
    this.#meter = meter
  }

  /** Counted sessions (see `Session.counted`) in any state plus dials in flight. */
  count(): number {
    let sessions = 0
    for (const session of this.#all) if (session.counted) sessions++
    return sessions + this.#dialing.size
  }

  /** True when a counted session (in any state) or a dial with `peer` exists. */
  has(peer: PeerId): boolean {
    if (this.#dialing.has(peer)) return true
    for (const session of this.#all) if (session.counted && session.peerId === peer) return true
    return false
  }

  /** Peers of every dial in flight and every counted session. */
  peers(): PeerId[] {
    return [...this.#dialing, ...[...this.#all].filter((s) => s.counted).map((s) => s.peerId)]
  }

  /** Uncounted sessions: connections still proving who they are. */
  unproven(): number {
    let count = 0
    for (const session of this.#all) if (!session.counted) count++
    return count
  }

  /** A snapshot of every session, oldest first. */
  all(): Session[] {
    return [...this.#all]
  }

  /** The open session with `peer`, if any. */
  open(peer: PeerId): Session | undefined {
    return this.#open.get(peer)
  }

  dialing(peer: PeerId, inFlight: boolean): void {
    if (inFlight) this.#dialing.add(peer)
    else this.#dialing.delete(peer)
  }

  add(session: Session): void {
    this.#all.add(session)
  }

  /** Marks `session` as the open one of its peer. */
  opened(session: Session): void {
    this.#open.set(session.peerId, session)
  }

  remove(session: Session): void {
    this.#all.delete(session)
    if (this.#open.get(session.peerId) === session) this.#open.delete(session.peerId)
  }

  /** Sends a frame on the open session with `peer`, if there is one. */
  send(peer: PeerId, frame: Frame): void {
    const session = this.#open.get(peer)
    if (session !== undefined) this.sendOn(session, frame)
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
          this.#report(asError(error), peer)
          return
        }
      }
      this.#sendBytes(session, bytes, frame.type)
    }
  }

  /** Sends a frame on `session`, whatever its state. */
  sendOn(session: Session, frame: Frame): void {
    let bytes: Uint8Array
    try {
      bytes = session.encode(frame)
    } catch (error) {
      // encode refuses frames peers would reject: a bug here, never a crash.
      this.#report(asError(error), session.peerId)
      return
    }
    this.#sendBytes(session, bytes, frame.type)
  }

  #sendBytes(session: Session, bytes: Uint8Array, type: number): void {
    if (session.connection.closed) return
    // By frame type, before sealing: a sealed frame counts as the frame inside it.
    this.#meter?.sent(type, bytes.byteLength)
    if (session.channel !== undefined) {
      // Sealed per session (the channel counts what it transmits); never in the clear.
      if (session.channel.phase === 'sealed') session.channel.sendSealed(bytes)
      return
    }
    this.#stats.framesSent++
    this.#stats.bytesSent += bytes.byteLength
    session.sendBytes(bytes)
  }
}

