/**
 * Per-peer budgets and scoring: the room's defence against peers that speak the protocol
 * but abuse it. Every inbound frame of a peer is charged, before it is decoded, to two
 * token buckets of that peer: frames and bytes (the bytes of a reply we asked the peer
 * for are not charged: a large document arrives in parts at full speed). A frame over
 * budget is dropped unread.
 *
 * Each peer has a score. It falls on invalid frames (malformed, over the room's limits, a
 * wrong room), on frames dropped for the budget, on useless traffic (a delta that changed
 * nothing) and on lies the protocol disproves (hop counts, Prunes and digest matches that
 * contradict what the peer delivered: push-tree.ts, repair.ts); it rises with useful first deliveries (a delta or reply that changed the
 * document), up to a cap, and decays towards zero every round, so old merit and old faults
 * both fade. Below `throttleBelow` the peer's budgets refill at a quarter of their rate;
 * below `disconnectBelow` it is disconnected and refused (in both directions) for a backoff
 * that doubles with each repeat. Every decision is a `peer:penalty` event and counted in
 * `RoomStats`. Prior art: gossipsub v1.1 peer scoring and backoff.
 *
 * Sans-IO: it acts through the layer context and one port (disconnect).
 */
import type { LayerContext } from '../engine/context.js'
import { ProtocolError } from '../errors.js'
import { FrameType } from '../protocol/messages.js'
import type { PeerId } from '../transport.js'
import type { PeerBudgets } from './peer-budgets.js'
import { TokenBucket } from '../token-bucket.js'

export { DEFAULT_BUDGETS, resolveBudgets, type PeerBudgets } from './peer-budgets.js'

/** Why a peer lost score. */
export type PenaltyReason = 'invalid' | 'budget' | 'useless' | 'lie'

/** What the scoring did about a peer. */
export type PenaltyAction = 'penalty' | 'throttle' | 'disconnect'

/** Payload of `peer:penalty`. */
export interface PenaltyEvent {
  peerId: PeerId
  reason: PenaltyReason
  /** The peer's score after the penalty. */
  score: number
  action: PenaltyAction
  /** Until when (room clock, ms) the peer is refused, for `disconnect`. */
  bannedUntil?: number
  /** For a `lie`: what the peer claimed that the protocol disproved. */
  detail?: string
}

/** What peer scoring asks of the room. */
export interface PeerScorePorts {
  /** Close every session with `peer` now. */
  disconnect(peer: PeerId): void
  /** True while a reply we asked `peer` for is on its way (its bytes are not charged). */
  awaitingReply(peer: PeerId): boolean
}

interface PeerState {
  frames: TokenBucket
  bytes: TokenBucket
  score: number
  throttled: boolean
}

/** The errors that mark a frame as invalid (exact names: subclasses of the trust layer are not). */
const INVALID = new Set(['ProtocolError', 'UpdateRejectedError', 'LimitExceededError', 'RoomEventError'])

/** Most peers tracked at once (state of peers with a neutral score is dropped first). */
const MAX_TRACKED = 4096

/** The first byte of a frame is its type tag (all tags are below 128). */
const SYNC_REPLY: number = FrameType.SyncReply
const SYNC_PART: number = FrameType.SyncPart

/** Peer scoring of one room. Internal. */
export class PeerScore {
  readonly #ctx: LayerContext
  readonly #config: PeerBudgets
  readonly #ports: PeerScorePorts
  readonly #peers = new Map<PeerId, PeerState>()
  /** Banned peers: until when, and how many times so far (for the doubling backoff). */
  readonly #bans = new Map<PeerId, { until: number; count: number }>()

  constructor(ctx: LayerContext, config: PeerBudgets, ports: PeerScorePorts) {
    this.#ctx = ctx
    this.#config = config
    this.#ports = ports
  }

  /** The score of `peer` (0 when unknown). */
  score(peer: PeerId): number {
    return this.#peers.get(peer)?.score ?? 0
  }

  /** True while `peer` is refused (disconnected for a backoff). */
  banned(peer: PeerId): boolean {
    const ban = this.#bans.get(peer)
    return ban !== undefined && this.#ctx.clock.now() < ban.until
  }

  /** True (and counted in `admissionsRefused`) while `peer` is refused: no session with it. */
  refuses(peer: PeerId): boolean {
    if (!this.banned(peer)) return false
    this.#ctx.stats.admissionsRefused++
    return true
  }

  /** A first copy from `peer` was applied: useful if it changed the document, useless if it was no repair and changed nothing. */
  delivered(peer: PeerId, changed: boolean, repair: boolean): void {
    if (changed) this.useful(peer)
    else if (!repair) this.useless(peer)
  }

  /**
   * Charges an inbound frame of `peer` (its raw bytes) to its budgets before decoding.
   * False: over budget, drop it unread. In a room with a secret, `data` is the opened plaintext
   * of a sealed frame (charged after opening, so that a drop never breaks the channel).
   */
  admit(peer: PeerId, data: Uint8Array): boolean {
    if (this.banned(peer)) {
      this.#ctx.stats.framesThrottled++
      return false
    }
    const state = this.#state(peer)
    const now = this.#ctx.clock.now()
    const scale = state.throttled ? 0.25 : 1
    const tag = data[0]
    const reply = (tag === SYNC_REPLY || tag === SYNC_PART) && this.#ports.awaitingReply(peer)
    if (!state.frames.take(1, now, scale) || (!reply && !state.bytes.take(data.byteLength, now, scale))) {
      this.#ctx.stats.framesThrottled++
      this.#penalize(peer, 'budget', this.#config.budgetPenalty)
      return false
    }
    return true
  }

  /**
   * A problem a layer reported about `peer`: an invalid frame (one that does not decode,
   * names another room, or carries a malformed or over-limit update or presence) lowers its
   * score. The trust layer's refusals (signatures, authorship, equivocation, writers) are
   * left out: an honest neighbour may forward what another peer signed. Events, queries and
   * answers are the exception: every peer checks their signatures before passing them on, so
   * a bad one (`RoomEventError`) is its sender's own.
   */
  reported(error: Error, peer: PeerId | undefined): void {
    if (peer === undefined) return
    // Races honest peers also produce (a full peer's Reject, crossing handshakes) cost nothing.
    if (error instanceof ProtocolError && error.race) return
    if (INVALID.has(error.name)) this.#penalize(peer, 'invalid', this.#config.invalidPenalty)
  }

  /** `peer` delivered something that changed the document first. */
  useful(peer: PeerId): void {
    const state = this.#state(peer)
    state.score = Math.min(this.#config.maxScore, state.score + this.#config.usefulReward)
  }

  /** `peer` sent a delta that changed nothing and was no duplicate. */
  useless(peer: PeerId): void {
    this.#penalize(peer, 'useless', this.#config.uselessPenalty)
  }

  /**
   * `peer` told us something the protocol disproves (`what` says what, for the report): a
   * hop count or echo contradicting what we pushed it, a Prune of an origin we never pushed
   * it, a digest match its later state vector contradicts, a reply it never sent.
   */
  lied(peer: PeerId, what: string): void {
    this.#ctx.stats.liesDetected++
    this.#penalize(peer, 'lie', this.#config.liePenalty, what)
  }

  /** One round: scores decay towards 0; neutral, unthrottled state is forgotten. */
  round(): void {
    for (const state of this.#peers.values()) {
      state.score *= this.#config.decay
      if (Math.abs(state.score) < 0.01) state.score = 0
      if (state.throttled && state.score >= this.#config.throttleBelow) state.throttled = false
    }
    const now = this.#ctx.clock.now()
    for (const [peer, ban] of this.#bans) {
      // A ban is remembered (for the doubling) for as long again as it lasted.
      if (now >= ban.until + Math.min(this.#config.maxBackoffMs, this.#config.backoffMs * 2 ** (ban.count - 1))) this.#bans.delete(peer)
    }
  }

  #state(peer: PeerId): PeerState {
    let state = this.#peers.get(peer)
    if (state === undefined) {
      if (this.#peers.size >= MAX_TRACKED) this.#forgetOne()
      const now = this.#ctx.clock.now()
      state = {
        frames: new TokenBucket(this.#config.framesPerSecond, this.#config.frameBurst, now),
        bytes: new TokenBucket(this.#config.bytesPerSecond, this.#config.byteBurst, now),
        score: 0,
        throttled: false,
      }
      this.#peers.set(peer, state)
    }
    return state
  }

  /** Forgets the oldest peer with a score ≥ 0 (or the oldest at all). */
  #forgetOne(): void {
    for (const [peer, state] of this.#peers) {
      if (state.score >= 0) {
        this.#peers.delete(peer)
        return
      }
    }
    const oldest = this.#peers.keys().next().value
    if (oldest !== undefined) this.#peers.delete(oldest)
  }

  #penalize(peer: PeerId, reason: PenaltyReason, amount: number, detail?: string): void {
    if (this.banned(peer)) return
    const state = this.#state(peer)
    state.score -= amount
    this.#ctx.stats.penalties++
    const { score } = state
    const said = detail === undefined ? {} : { detail }
    if (score < this.#config.disconnectBelow) {
      const previous = this.#bans.get(peer)
      const count = (previous?.count ?? 0) + 1
      const until = this.#ctx.clock.now() + Math.min(this.#config.maxBackoffMs, this.#config.backoffMs * 2 ** (count - 1))
      this.#bans.set(peer, { until, count })
      this.#peers.delete(peer)
      this.#ctx.stats.peersCutOff++
      this.#ctx.emit('peer:penalty', { peerId: peer, reason, score, action: 'disconnect', bannedUntil: until, ...said })
      this.#ports.disconnect(peer)
      return
    }
    if (score < this.#config.throttleBelow && !state.throttled) {
      state.throttled = true
      this.#ctx.stats.peersThrottled++
      this.#ctx.emit('peer:penalty', { peerId: peer, reason, score, action: 'throttle', ...said })
      return
    }
    // Budget penalties come in bursts: one event per frame would flood the app.
    if (reason !== 'budget') this.#ctx.emit('peer:penalty', { peerId: peer, reason, score, action: 'penalty', ...said })
  }
}
