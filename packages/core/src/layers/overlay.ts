/**
 * The overlay: which peers are our neighbours. It keeps the bounded active view (sessions,
 * dials in flight, reserved inbound slots), the passive view and the lost peers; it admits
 * joiners through {@link Admission}, dials while below the minimum or below its quota of
 * self-dialled neighbours (which sybils cannot evict), shuffles peer samples, redials lost
 * peers, fills free slots and rewires now and then so components merge; isolated, it asks
 * the transports for peers again ({@link Rediscovery}). Prior art: HyParView. It owns no
 * connection: it asks the session layer ({@link SessionControl}).
 */
import type { LayerContext, LinkInfo } from '../engine/context.js'
import { TransportError } from '../errors.js'
import { CloseCode, FrameType, JoinPriority, LIMITS, type CloseCodeValue, type JoinPriorityValue, type PeersFrame } from '../protocol/messages.js'
import { pick, sample } from '../random.js'
import { Admission, outboundQuota } from './admission.js'
import { OutboundQuota } from './outbound-quota.js'
import type { PeerId } from '../transport.js'
import { PeerViews } from './peer-views.js'
import { Rediscovery } from './rediscovery.js'
import { rewire, type RewiringPorts } from './rewiring.js'
import { ShufflePacing } from './shuffle-pacing.js'
import type { JoinDecision, SessionControl, SessionDown } from '../engine/session-ports.js'

/** Tunables of the overlay, resolved from room options. */
export interface OverlayConfig {
  maxNeighbours: number
  minNeighbours: number
  maxPassive: number
  /** How long an inbound slot stays reserved for a connection that does not open. */
  reservationMs: number
  /** Base wait before redialing a lost peer again after a failed redial. */
  retryMs: number
  /** Self-dialled neighbours inbound requests never evict. Default: a third of `maxNeighbours`. */
  outboundQuota?: number
  /** Inbound requests evict at most one neighbour per this many ms. Default: `reservationMs`. */
  evictEveryMs?: number
  /** The cap, in rounds, on the spacing of rediscovery requests (see {@link Rediscovery}). Default 30. */
  rediscoverMaxRounds?: number
}

const SHARE_SAMPLE = 8
/** The source of passive peers offered by the membership (see {@link Overlay.learnMembers}). */
const MEMBERSHIP_SOURCE = 'membership'
/** Rounds below the minimum before one dial asks for room (high priority). */
const STARVING_ROUNDS = 2

/** The overlay layer of one room. Internal. */
export class Overlay {
  readonly #ctx: LayerContext
  readonly #config: OverlayConfig
  readonly #sessions: SessionControl
  readonly #signal: AbortSignal
  readonly views: PeerViews
  /** Established links, in the order they came up. */
  readonly #links = new Map<PeerId, LinkInfo>()
  /** Inbound admission: reservations, the outbound quota, the eviction rate, pressure. */
  readonly admission: Admission
  /** Rounds in a row spent below the minimum. */
  #starvingRounds = 0
  readonly #shuffles = new ShufflePacing()
  /** Self-dialled neighbours we keep (see {@link Admission}), refilled under pressure. */
  readonly #quota: OutboundQuota
  readonly #rediscovery: Rediscovery
  readonly #rewiring: RewiringPorts

  /** `rediscover` asks the transports' discovery services for peers again (absent: nothing to ask). */
  constructor(ctx: LayerContext, config: OverlayConfig, sessions: SessionControl, signal: AbortSignal, rediscover: () => void = () => undefined) {
    this.#ctx = ctx
    this.#config = config
    this.#sessions = sessions
    this.#signal = signal
    this.views = new PeerViews(ctx.peerId, ctx.random, config.maxPassive)
    this.#rediscovery = new Rediscovery(config.rediscoverMaxRounds ?? 30, rediscover)
    const quota = config.outboundQuota ?? outboundQuota(config.maxNeighbours)
    const evictEveryMs = config.evictEveryMs ?? config.reservationMs
    const admission = { maxNeighbours: config.maxNeighbours, outboundQuota: quota, evictEveryMs, pressureMs: 10 * evictEveryMs, reservationMs: config.reservationMs }
    const ports = { sessions: () => sessions.count(), links: () => this.#links, evict: (victim: PeerId) => this.#evict(victim), sample: (peer: PeerId) => this.sample(peer) }
    this.admission = new Admission(ctx, admission, ports, signal)
    this.#quota = new OutboundQuota(quota, config.maxNeighbours, {
      outbound: () => this.outbound().length,
      pending: (peer) => sessions.has(peer) && !this.#links.has(peer),
      sample: (sources) => this.views.samplePassive(1, (p) => sessions.has(p), sources)[0],
      dial: (peer, high) => this.#dial(peer, high ? JoinPriority.High : JoinPriority.Low),
      underPressure: () => this.admission.underPressure(),
      overCap: () => this.slotsUsed() > config.maxNeighbours,
      rediscover,
    })
    this.#rewiring = {
      ...{ views: this.views, random: ctx.random, maxNeighbours: config.maxNeighbours, now: () => ctx.clock.now() },
      ...{ linked: (p) => sessions.has(p), slotsUsed: () => this.slotsUsed(), evictable: () => this.admission.evictable() },
      ...{ evict: (victim) => this.#evict(victim), dial: (peer, priority) => this.#dial(peer, priority) },
    }
  }

  /** Neighbours (the active view), in the order they came up. */
  neighbours(): PeerId[] {
    const out: PeerId[] = []
    for (const [peer, link] of this.#links) if (link.neighbour) out.push(peer)
    return out
  }

  /** Slots of the active view in use: sessions in any state, dials in flight, reserved inbound. */
  slotsUsed(): number {
    return this.admission.slotsUsed()
  }

  /** A transport asks to set up an inbound connection from `peer` (see {@link Admission.admit}). */
  admit(peer: PeerId, urgent = false, evict = true): boolean {
    return this.admission.admit(peer, urgent, evict)
  }

  /** An inbound connection from `peer` opened: its reservation becomes a session. */
  opened(peer: PeerId): void {
    this.admission.reserved.release(peer)
  }

  /** A transport reported a peer of our room (or storage remembered one). */
  discovered(peer: PeerId, transport?: string): void {
    if (peer === this.#ctx.peerId || this.#links.has(peer)) return
    // A transport vouches for a peer a neighbour named: it becomes a candidate the attacker did not name.
    this.views.addPassive(peer, transport, `transport:${transport ?? 'stored'}`, true)
    this.#quota.keep()
  }

  /** Peers `source` shared with us in a handshake, shuffle or goodbye, reachable through `transport`. */
  learn(peers: readonly PeerId[], transport: string, source: PeerId): void {
    for (const peer of peers) {
      if (peer === this.#ctx.peerId || this.#sessions.has(peer)) continue
      if (!this.views.hasPassive(peer)) this.#shuffles.learned()
      this.views.addPassive(peer, transport, source)
    }
  }

  /**
   * Live members (from the membership) become candidates while the passive view is empty: a
   * component closed on itself then knows whom it misses, and has someone to dial.
   */
  learnMembers(members: () => readonly PeerId[]): void {
    const transport = this.#links.values().next().value?.transport
    if (transport === undefined || this.views.passive().length > 0) return
    this.learn(sample(this.#ctx.random, members(), SHARE_SAMPLE), transport, MEMBERSHIP_SOURCE)
  }

  /** Neighbours we dialled ourselves. */
  outbound(): PeerId[] {
    const out: PeerId[] = []
    for (const [peer, link] of this.#links) if (link.neighbour && link.initiator) out.push(peer)
    return out
  }

  /** A peer's Hello asks to join with `priority` (see {@link Admission.join}). */
  join(peer: PeerId, priority: JoinPriorityValue): JoinDecision {
    return this.admission.join(peer, priority)
  }

  #evict(victim: PeerId): void {
    this.#sessions.close(victim, CloseCode.Evicted, this.sample(victim))
  }

  /** A random sample of peers we know, to share with `exclude` (ourselves included). */
  sample(exclude: PeerId): PeerId[] {
    const known: PeerId[] = []
    for (const peer of this.views.passive()) if (peer !== exclude) known.push(peer)
    for (const peer of this.neighbours()) if (peer !== exclude && !this.views.hasPassive(peer)) known.push(peer)
    const chosen = sample(this.#ctx.random, known, Math.min(SHARE_SAMPLE, LIMITS.peersPerFrame) - 1)
    chosen.push(this.#ctx.peerId)
    return chosen
  }

  /** A session came up. */
  up(peer: PeerId, link: LinkInfo): void {
    this.#links.set(peer, link)
    if (link.neighbour) this.#rediscovery.reset()
    if (link.neighbour && link.initiator) this.#quota.linked(peer)
    this.views.removePassive(peer)
    this.views.clearFailed(peer)
    // Our own dial (a quota refill) took us over the cap: an inbound neighbour makes room.
    if (link.neighbour && link.initiator && this.slotsUsed() > this.#config.maxNeighbours) {
      const victim = pick(this.#ctx.random, this.neighbours().filter((p) => this.#links.get(p)?.initiator === false))
      if (victim !== undefined) this.#evict(victim)
    }
  }

  /** A session ended: what it means for the views depends on why. */
  down(peer: PeerId, info: SessionDown): void {
    const link = this.#links.get(peer)
    if (info.wasUp) this.#links.delete(peer)
    // A second session with a peer we are linked to ended (a crossed dial, say): the link stands.
    else if (this.#links.has(peer)) return
    if (info.cause === 'lost') {
      this.views.markFailed(peer, this.#ctx.clock.now(), this.#config.retryMs)
      this.maintain(false)
    } else if (info.cause === 'disconnect') {
      this.learn(info.peers.filter((p) => p !== peer), info.transport, peer)
      if (info.code === CloseCode.Leaving) this.views.forget(peer)
      else if (info.code === CloseCode.Timeout || info.code === CloseCode.ProtocolViolation)
        this.views.markFailed(peer, this.#ctx.clock.now(), this.#config.retryMs)
      else this.views.addPassive(peer, info.transport, peer)
      // A dial refused as full after its Hello (not by the transport): a refill asks for room next.
      if (!info.wasUp && info.code === CloseCode.Full) this.#quota.failed(peer, true)
    }
    if (info.wasUp && link?.neighbour === true && link.initiator) this.#quota.lost()
  }

  /** A neighbour stopped answering: close its session and remember it as lost. */
  dead(peer: PeerId): void {
    this.#sessions.close(peer, CloseCode.Timeout)
    this.views.markFailed(peer, this.#ctx.clock.now(), this.#config.retryMs)
  }

  /** A transient link we dialed finished its one exchange. */
  exchangeDone(peer: PeerId): void {
    const link = this.#links.get(peer)
    if (link !== undefined && !link.neighbour && link.initiator) this.#sessions.close(peer, CloseCode.Done)
  }

  /** A Peers frame (shuffle): learn, and answer a request with our own sample. */
  onPeers(peer: PeerId, frame: PeersFrame): void {
    this.learn(frame.peers, this.#links.get(peer)?.transport ?? '', peer)
    if (!frame.reply) this.#ctx.send(peer, { type: FrameType.Peers, room: this.#ctx.room, peers: this.sample(peer), reply: true })
  }

  /** Dials `peer`. A failure moves it to the failed list (or keeps it a candidate, when it was only full). */
  #dial(peer: PeerId, priority: JoinPriorityValue): void {
    if (this.#sessions.has(peer) || peer === this.#ctx.peerId) return
    this.#sessions.dial(peer, this.views.transportOf(peer), priority, (error) => {
      const name = (error as Error | undefined)?.name
      if (name === 'PeerFullError') {
        // Reachable, just full: a candidate for later, like a Disconnect Full.
        this.views.addPassive(peer, this.views.transportOf(peer), peer)
        this.#quota.failed(peer, true)
        return
      }
      this.views.markFailed(peer, this.#ctx.clock.now(), this.#config.retryMs)
      if (name !== 'TransportError' && name !== 'AbortError') {
        this.#ctx.report(new TransportError(`dial ${peer} failed`, { cause: error }), peer)
      }
      this.#quota.failed(peer)
    })
  }

  /**
   * Dials passive peers while the active view is below its minimum. `round` is true for the
   * call of the periodic round (the one that counts rounds spent below the minimum).
   */
  maintain(askForPeers: boolean, round = false): void {
    if (this.#signal.aborted) return
    const want = this.#config.minNeighbours - this.slotsUsed()
    if (want <= 0) {
      this.#starvingRounds = 0
      if (round) this.#quota.round()
      return
    }
    const candidates = this.views.samplePassive(want, (p) => this.#sessions.has(p))
    // Isolated (no session, no dial, no reserved slot, nobody to dial): nobody may know us.
    if (round && candidates.length === 0 && this.slotsUsed() === 0) this.#rediscovery.isolated()
    // With no link at all, or below the minimum for a while (every peer we tried was full),
    // the first dial makes room. One at a time: an eviction moves a missing link elsewhere,
    // and only low-priority dials to peers with a free slot add links.
    if (round) this.#starvingRounds++
    let high = this.slotsUsed() === 0 || this.#starvingRounds >= STARVING_ROUNDS
    if (high) this.#starvingRounds = 0
    for (const peer of candidates) {
      this.#dial(peer, high ? JoinPriority.High : JoinPriority.Low)
      high = false
    }
    // Out of candidates: ask a neighbour for peers, but only when we know nobody else (a
    // small room can never fill the view, and asking every round would be pure noise).
    if (askForPeers && candidates.length === 0 && this.views.passive().length === 0) this.shuffle()
  }

  /** Every few rounds, unless the overlay is known to be `connected`: one repair step of {@link rewire}. */
  reconnect(rewireChance: number, connected: boolean): void {
    if (!connected) rewire(this.#rewiring, rewireChance)
  }

  /** Once per shuffle period: shuffles when {@link ShufflePacing} says so (less often while shuffles teach nothing). */
  periodicShuffle(): void {
    if (this.#shuffles.due()) this.shuffle()
  }

  /** Sends a peer sample to a random neighbour, which answers with its own. */
  shuffle(): void {
    const peer = pick(this.#ctx.random, this.neighbours())
    if (peer === undefined) return
    this.#ctx.send(peer, { type: FrameType.Peers, room: this.#ctx.room, peers: this.sample(peer), reply: false })
  }

  /** Peers we know of, ourselves included: neighbours, sessions and dials, passive and lost peers. */
  knownCount(): number {
    return new Set<PeerId>([this.#ctx.peerId, ...this.views.passive(), ...this.views.failed(), ...this.#sessions.peers()]).size
  }

  /** Closes every session, telling peers we leave and where else to go. */
  closeAll(code: CloseCodeValue): void {
    this.admission.reserved.releaseAll()
    this.#sessions.closeAll(code, (peer) => this.sample(peer).filter((p) => p !== this.#ctx.peerId))
  }
}
