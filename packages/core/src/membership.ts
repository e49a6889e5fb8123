/**
 * Membership: the bounded active view (open links), the passive view, the handshake,
 * eviction for peers with no neighbour, liveness probes, peer shuffles, and repair from
 * the passive and failed lists. Prior art: HyParView (views, priorities), SWIM (probing).
 * It knows nothing of documents: gossip frames are handed to the room.
 */
import type { Clock } from './clock.js'
import { ProtocolError, TransportError, VersionMismatchError } from './errors.js'
import { Link } from './link.js'
import { PeerViews } from './peer-views.js'
import { Reservations } from './reservations.js'
import {
  CloseCode,
  FrameType,
  JoinPriority,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  LIMITS,
  type CloseCodeValue,
  type Frame,
  type HelloFrame,
  type JoinPriorityValue,
  type WelcomeFrame,
} from './protocol/messages.js'
import { negotiateVersion } from './protocol/codec.js'
import { pick, randomInt, sample, type RandomSource } from './random.js'
import type { Connection, PeerId, Transport } from './transport.js'

/** Tunables of membership, resolved from room options. */
export interface MembershipConfig {
  room: string
  peerId: PeerId
  maxNeighbours: number
  minNeighbours: number
  maxPassive: number
  roundMs: number
  suspectAfterRounds: number
  handshakeTimeoutMs: number
  /** Base wait before redialing a lost peer again after a failed redial. */
  retryMs: number
}

/** What membership needs from its room. */
export interface MembershipHost {
  readonly clock: Clock
  readonly random: RandomSource
  readonly transports: readonly Transport[]
  readonly signal: AbortSignal
  /** Encodes and sends a frame on a link (never throws). */
  send(link: Link, frame: Frame): void
  /** A link finished its handshake as a neighbour (or transient). */
  onLinkUp(link: Link): void
  /** A neighbour (or transient) link closed. */
  onLinkDown(link: Link): void
  /** Reports a problem without throwing. */
  onError(error: Error, peerId?: PeerId): void
}

const SHARE_SAMPLE = 8
/** Rounds below the minimum before one dial asks for room (high priority). */
const STARVING_ROUNDS = 2
/** Most shuffle periods between two shuffles that teach us nothing. */
const MAX_SHUFFLE_SPACING = 8
/** Chance, per reconnect period, that a peer with a free slot dials a passive peer to fill it. */
const FILL_CHANCE = 1 / 2

/** The membership layer of one room. Internal. */
export class Membership {
  readonly #config: MembershipConfig
  readonly #host: MembershipHost
  readonly views: PeerViews
  readonly #links = new Set<Link>()
  readonly #dialing = new Set<PeerId>()
  /** Consecutive maintain calls that found us below the minimum. */
  #starvingRounds = 0
  /** Shuffle periods between shuffles now, and periods since the last one. */
  #shuffleSpacing = 1
  #periodsSinceShuffle = 0
  /** A peer we did not know arrived since the last periodic shuffle. */
  #learnedNew = false
  /** Inbound connections a transport was allowed to set up, not yet open. */
  readonly #admitted: Reservations

  constructor(config: MembershipConfig, host: MembershipHost) {
    this.#config = config
    this.#host = host
    this.views = new PeerViews(config.peerId, host.random, config.maxPassive)
    this.#admitted = new Reservations(host.clock, config.handshakeTimeoutMs)
  }

  /** Links that finished the handshake, as neighbours or transient. */
  established(): Link[] {
    return [...this.#links].filter((l) => l.state === 'neighbour' || l.state === 'transient')
  }

  /** Neighbour links (the active view). */
  neighbours(): Link[] {
    return [...this.#links].filter((l) => l.state === 'neighbour')
  }

  /** Slots of the active view in use: open links (any state), dials in flight, admitted inbound. */
  slotsUsed(): number {
    return this.#links.size + this.#dialing.size + this.#admitted.size
  }

  /**
   * A transport asks whether it may set up an inbound connection from `peerId`. Yes
   * reserves a slot until the connection opens or the handshake timeout passes.
   */
  admit(peerId: PeerId, urgent = false): boolean {
    if (this.#host.signal.aborted) return false
    if (this.#admitted.has(peerId)) return true
    if (this.slotsUsed() >= this.#config.maxNeighbours) {
      if (!urgent) return false
      // An isolated dialer: make room, as a High-priority Hello would.
      const victim = pick(this.#host.random, this.neighbours().filter((l) => l.peerId !== peerId))
      if (victim === undefined) return false
      this.close(victim, CloseCode.Evicted, this.#shareSample(victim.peerId))
      if (this.slotsUsed() >= this.#config.maxNeighbours) return false
    }
    this.#admitted.reserve(peerId)
    return true
  }

  #isLinkedOrDialing = (peerId: PeerId): boolean => {
    if (this.#dialing.has(peerId)) return true
    for (const link of this.#links) if (link.peerId === peerId) return true
    return false
  }

  /** A transport reported a peer of our room (or storage remembered one). */
  discovered(peerId: PeerId, transport?: string): void {
    this.views.addPassive(peerId, transport)
  }

  /** A remote peer opened a connection to us; wait for its Hello. */
  accept(connection: Connection): Link {
    this.#admitted.release(connection.remotePeerId)
    const link = new Link(connection, false, JoinPriority.Low, this.#host.clock.now())
    this.#links.add(link)
    this.#armHandshakeTimer(link)
    return link
  }

  /** Dials `peerId` and sends Hello. Failures move the peer to the failed list. */
  async dial(peerId: PeerId, priority: JoinPriorityValue, attach: (link: Link) => void): Promise<void> {
    if (this.#isLinkedOrDialing(peerId) || peerId === this.#config.peerId) return
    this.#dialing.add(peerId)
    try {
      const transport = this.#transportFor(peerId)
      const connection = await transport.dial(peerId, { signal: this.#host.signal, urgent: priority === JoinPriority.High })
      this.#dialing.delete(peerId)
      if (this.#host.signal.aborted) {
        connection.close('room closed')
        return
      }
      const link = new Link(connection, true, priority, this.#host.clock.now())
      this.#links.add(link)
      attach(link)
      this.#armHandshakeTimer(link)
      this.#host.send(link, {
        type: FrameType.Hello,
        room: this.#config.room,
        peerId: this.#config.peerId,
        versionMin: MIN_PROTOCOL_VERSION,
        versionMax: PROTOCOL_VERSION,
        priority,
        peers: this.#shareSample(peerId),
      })
    } catch (error) {
      this.#dialing.delete(peerId)
      if (this.#host.signal.aborted) return
      const name = (error as Error | undefined)?.name
      if (name === 'PeerFullError') {
        // Reachable, just full: a candidate for later, like a Disconnect Full.
        this.views.addPassive(peerId, this.views.transportOf(peerId))
        return
      }
      this.views.markFailed(peerId, this.#host.clock.now(), this.#config.retryMs)
      if (name !== 'TransportError' && name !== 'AbortError') {
        this.#host.onError(new TransportError(`dial ${peerId} failed`, { cause: error }), peerId)
      }
    }
  }

  #transportFor(peerId: PeerId): Transport {
    const name = this.views.transportOf(peerId)
    const transports = this.#host.transports
    const found = name === undefined ? undefined : transports.find((t) => t.name === name)
    const transport = found ?? transports[0]
    if (transport === undefined) throw new TransportError('the room has no transport')
    return transport
  }

  #armHandshakeTimer(link: Link): void {
    link.handshakeTimer = this.#host.clock.setTimeout(() => {
      if (link.state === 'handshake') this.close(link, CloseCode.Timeout)
    }, this.#config.handshakeTimeoutMs)
  }

  /** A random sample of peers we know, to share with `exclude` (ourselves included). */
  #shareSample(exclude: PeerId): PeerId[] {
    const known: PeerId[] = []
    for (const peerId of this.views.passive()) if (peerId !== exclude) known.push(peerId)
    for (const link of this.#links) {
      if (link.state === 'neighbour' && link.peerId !== exclude && !this.views.hasPassive(link.peerId)) known.push(link.peerId)
    }
    const chosen = sample(this.#host.random, known, Math.min(SHARE_SAMPLE, LIMITS.peersPerFrame) - 1)
    chosen.push(this.#config.peerId)
    return chosen
  }

  #learn(peers: readonly PeerId[], via: Link): void {
    for (const peerId of peers) {
      if (peerId === this.#config.peerId || this.#isLinkedOrDialing(peerId)) continue
      if (!this.views.hasPassive(peerId)) this.#learnedNew = true
      this.views.addPassive(peerId, via.connection.transport)
    }
  }

  /**
   * Handles a membership frame. Returns false when the frame is not a membership frame
   * and the link is established (the room handles it then).
   */
  handle(link: Link, frame: Frame): boolean {
    switch (frame.type) {
      case FrameType.Hello:
        this.#onHello(link, frame)
        return true
      case FrameType.Welcome:
        this.#onWelcome(link, frame)
        return true
      case FrameType.Reject:
        // A crossed dial (glare) is routine, not an error.
        if (frame.code !== CloseCode.Duplicate) this.#host.onError(
          frame.code === CloseCode.VersionMismatch
            ? new VersionMismatchError(
                { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
                { min: frame.versionMin, max: frame.versionMax },
                link.peerId,
              )
            : new ProtocolError(`peer rejected the connection: ${frame.reason}`, link.peerId),
          link.peerId,
        )
        this.close(link)
        return true
      case FrameType.Disconnect:
        this.#learn(frame.peers, link)
        this.close(link)
        if (frame.code === CloseCode.Leaving) this.views.forget(link.peerId)
        else if (frame.code === CloseCode.Timeout || frame.code === CloseCode.ProtocolViolation)
          this.views.markFailed(link.peerId, this.#host.clock.now(), this.#config.retryMs)
        else this.views.addPassive(link.peerId, link.connection.transport)
        return true
      default:
        break
    }
    if (link.state === 'handshake') {
      this.#host.onError(new ProtocolError(`frame ${frame.type} before the handshake`, link.peerId), link.peerId)
      this.close(link, CloseCode.ProtocolViolation)
      return true
    }
    switch (frame.type) {
      case FrameType.Peers:
        this.#learn(frame.peers, link)
        if (!frame.reply) {
          this.#host.send(link, {
            type: FrameType.Peers,
            room: this.#config.room,
            peers: this.#shareSample(link.peerId),
            reply: true,
          })
        }
        return true
      case FrameType.Ping:
        this.#host.send(link, { type: FrameType.Pong, room: this.#config.room, nonce: frame.nonce })
        return true
      case FrameType.Pong:
        if (link.pendingPing === frame.nonce) link.pendingPing = undefined
        return true
      default:
        return false
    }
  }

  #onHello(link: Link, frame: HelloFrame): void {
    if (link.initiator || link.state !== 'handshake') {
      this.#host.onError(new ProtocolError('unexpected Hello', link.peerId), link.peerId)
      return
    }
    const room = this.#config.room
    const local = { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION }
    const version = negotiateVersion(local, { min: frame.versionMin, max: frame.versionMax })
    if (version === undefined) {
      this.#host.send(link, { type: FrameType.Reject, room, code: CloseCode.VersionMismatch, reason: 'no common protocol version', versionMin: local.min, versionMax: local.max })
      this.#host.onError(new VersionMismatchError(local, { min: frame.versionMin, max: frame.versionMax }, link.peerId), link.peerId)
      this.close(link)
      return
    }
    if (frame.peerId !== link.peerId) {
      this.#host.send(link, { type: FrameType.Reject, room, code: CloseCode.ProtocolViolation, reason: 'peer id does not match the connection', versionMin: local.min, versionMax: local.max })
      this.#host.onError(new ProtocolError(`Hello claims peer id ${frame.peerId}`, link.peerId), link.peerId)
      this.close(link)
      return
    }
    this.#learn(frame.peers, link)
    for (const other of this.#links) {
      if (other === link || other.peerId !== link.peerId) continue
      // Glare: both dialed at once. The link dialed by the smaller peer id survives.
      if (other.state === 'handshake' && other.initiator && this.#config.peerId < link.peerId) {
        this.#host.send(link, { type: FrameType.Reject, room, code: CloseCode.Duplicate, reason: 'duplicate connection', versionMin: local.min, versionMax: local.max })
        this.close(link)
        return
      }
      this.close(other, CloseCode.Duplicate)
    }
    const used = this.slotsUsed() - 1
    const full = used >= this.#config.maxNeighbours
    if (full && frame.priority === JoinPriority.High) {
      const victim = pick(this.#host.random, this.neighbours().filter((l) => l !== link))
      if (victim !== undefined) this.close(victim, CloseCode.Evicted, this.#shareSample(victim.peerId))
    } else if (full) {
      this.close(link, CloseCode.Full, this.#shareSample(link.peerId))
      return
    }
    link.version = version
    link.priority = frame.priority
    const accepted = frame.priority !== JoinPriority.Transient
    this.#host.send(link, { type: FrameType.Welcome, room, peerId: this.#config.peerId, version, accepted, peers: this.#shareSample(link.peerId) })
    this.#up(link, accepted)
  }

  #onWelcome(link: Link, frame: WelcomeFrame): void {
    if (!link.initiator || link.state !== 'handshake') {
      this.#host.onError(new ProtocolError('unexpected Welcome', link.peerId), link.peerId)
      return
    }
    if (frame.version < MIN_PROTOCOL_VERSION || frame.version > PROTOCOL_VERSION) {
      const local = { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION }
      this.#host.onError(new VersionMismatchError(local, { min: frame.version, max: frame.version }, link.peerId), link.peerId)
      this.close(link, CloseCode.VersionMismatch)
      return
    }
    if (frame.peerId !== link.peerId) {
      this.#host.onError(new ProtocolError(`Welcome claims peer id ${frame.peerId}`, link.peerId), link.peerId)
      this.close(link, CloseCode.ProtocolViolation)
      return
    }
    link.version = frame.version
    this.#learn(frame.peers, link)
    this.#up(link, frame.accepted)
  }

  #up(link: Link, neighbour: boolean): void {
    link.state = neighbour ? 'neighbour' : 'transient'
    if (link.handshakeTimer !== undefined) this.#host.clock.clearTimeout(link.handshakeTimer)
    link.handshakeTimer = undefined
    link.lastHeard = this.#host.clock.now()
    this.views.removePassive(link.peerId)
    this.views.clearFailed(link.peerId)
    this.#host.onLinkUp(link)
  }

  /** Closes a link, telling the peer why when `code` is given. Idempotent. */
  close(link: Link, code?: CloseCodeValue, peers: PeerId[] = []): void {
    if (link.state === 'closed') return
    if (code !== undefined) {
      this.#host.send(link, { type: FrameType.Disconnect, room: this.#config.room, code, peers })
    }
    this.#drop(link)
    link.connection.close(code === undefined ? undefined : `gossamer close code ${code}`)
  }

  /** The connection went away under us (remote close, crash, network). */
  lost(link: Link): void {
    if (link.state === 'closed') return
    this.#drop(link)
    this.views.markFailed(link.peerId, this.#host.clock.now(), this.#config.retryMs)
  }

  #drop(link: Link): void {
    const wasUp = link.state === 'neighbour' || link.state === 'transient'
    link.state = 'closed'
    if (link.handshakeTimer !== undefined) this.#host.clock.clearTimeout(link.handshakeTimer)
    link.dispose()
    this.#links.delete(link)
    if (wasUp) this.#host.onLinkDown(link)
  }

  /**
   * Probes silent neighbours and drops dead ones. A neighbour silent for
   * `suspectAfterRounds` rounds gets a Ping every round; after twice as long it is dropped.
   */
  checkLiveness(): void {
    const now = this.#host.clock.now()
    const suspectMs = this.#config.suspectAfterRounds * this.#config.roundMs
    for (const link of this.established()) {
      const silent = now - link.lastHeard
      if (silent >= 2 * suspectMs) {
        this.close(link, CloseCode.Timeout)
        this.views.markFailed(link.peerId, this.#host.clock.now(), this.#config.retryMs)
      } else if (silent >= suspectMs) {
        link.pendingPing = randomInt(this.#host.random, 0x7fffffff)
        this.#host.send(link, { type: FrameType.Ping, room: this.#config.room, nonce: link.pendingPing })
      }
    }
  }

  /**
   * Dials passive peers while the active view is below its minimum. `round` is true for the
   * call of the periodic round (the one that counts rounds spent below the minimum).
   */
  maintain(attach: (link: Link) => void, askForPeers: boolean, round = false): void {
    if (this.#host.signal.aborted) return
    const want = this.#config.minNeighbours - this.slotsUsed()
    if (want <= 0) {
      this.#starvingRounds = 0
      return
    }
    const candidates = this.views.samplePassive(want, this.#isLinkedOrDialing)
    // With no link at all, or below the minimum for a while (every peer we tried was full),
    // the first dial makes room. One at a time: an eviction moves a missing link elsewhere,
    // and only low-priority dials to peers with a free slot add links.
    if (round) this.#starvingRounds++
    let high = this.slotsUsed() === 0 || this.#starvingRounds >= STARVING_ROUNDS
    if (high) this.#starvingRounds = 0
    for (const peerId of candidates) {
      void this.dial(peerId, high ? JoinPriority.High : JoinPriority.Low, attach)
      high = false
    }
    // Out of candidates: ask a neighbour for peers, but only when we know nobody else (a
    // small room can never fill the view, and asking every round would be pure noise).
    if (askForPeers && candidates.length === 0 && this.views.passive().length === 0) this.shuffle()
  }

  /**
   * Runs every few rounds. It redials one lost peer that is due, with high priority: a
   * saturated acceptor makes room, so the halves of a healed partition reconnect even when
   * every peer across is full. If we are full ourselves, we first free one slot (the evicted
   * neighbour keeps us in its passive view and refills from its own).
   *
   * None of this runs when the overlay is known to be connected (`connected`). With no lost
   * peer due, a peer with a free slot fills it half the time: a low-priority dial to a random passive
   * peer, which only a peer with a free slot accepts. Two ends of chains that formed apart
   * join that way, at no cost to anyone. Otherwise it rewires with probability
   * `rewireChance`: a high-priority dial to a random passive peer (freeing a slot first when
   * full), so components that closed on themselves still merge.
   */
  reconnect(attach: (link: Link) => void, rewireChance: number, connected: boolean): void {
    // Every peer we know (lost ones included) is evidently in our component: nothing to heal.
    if (connected) return
    const lost = this.views.pickFailed(this.#host.clock.now(), this.#isLinkedOrDialing)
    if (lost === undefined && this.slotsUsed() < this.#config.maxNeighbours && this.#host.random.next() < FILL_CHANCE) {
      const target = this.views.samplePassive(1, this.#isLinkedOrDialing)[0]
      if (target !== undefined) void this.dial(target, JoinPriority.Low, attach)
      return
    }
    if (lost === undefined && this.#host.random.next() >= rewireChance) return
    const target = lost ?? this.views.samplePassive(1, this.#isLinkedOrDialing)[0]
    if (target === undefined) return
    const full = this.slotsUsed() >= this.#config.maxNeighbours
    if (full) {
      const victim = pick(this.#host.random, this.neighbours())
      if (victim === undefined) return
      this.close(victim, CloseCode.Evicted, this.#shareSample(victim.peerId))
      if (this.slotsUsed() >= this.#config.maxNeighbours) return
    }
    void this.dial(target, JoinPriority.High, attach)
  }

  /**
   * Called once per shuffle period. Shuffles while shuffles (or anything else) teach us new
   * peers; while they do not, the spacing doubles, up to every {@link MAX_SHUFFLE_SPACING}th
   * period: in a small, settled room everyone is known and a shuffle is pure noise.
   */
  periodicShuffle(): void {
    if (++this.#periodsSinceShuffle < this.#shuffleSpacing) return
    this.#periodsSinceShuffle = 0
    this.#shuffleSpacing = this.#learnedNew ? 1 : Math.min(MAX_SHUFFLE_SPACING, this.#shuffleSpacing * 2)
    this.#learnedNew = false
    this.shuffle()
  }

  /** Peers we know of, ourselves included: neighbours, links in the making, passive and lost peers. */
  knownCount(): number {
    const known = new Set<PeerId>([this.#config.peerId, ...this.views.passive(), ...this.views.failed(), ...this.#dialing])
    for (const link of this.#links) known.add(link.peerId)
    return known.size
  }

  /** Sends a peer sample to a random neighbour, which answers with its own. */
  shuffle(): void {
    const link = pick(this.#host.random, this.neighbours())
    if (link === undefined) return
    this.#host.send(link, { type: FrameType.Peers, room: this.#config.room, peers: this.#shareSample(link.peerId), reply: false })
  }

  /** Closes every link, telling peers we leave and where else to go. */
  closeAll(code: CloseCodeValue): void {
    this.#admitted.releaseAll()
    for (const link of [...this.#links]) this.close(link, code, this.#shareSample(link.peerId).filter((id) => id !== this.#config.peerId))
  }
}
