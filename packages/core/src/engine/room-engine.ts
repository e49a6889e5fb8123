/**
 * The composition root of a room's engine: it builds the layers once the peer's identity
 * is known, wires each layer's output to the next layer's input, maps every frame type to
 * the layer that handles it, fans session up/down events out to the layers, and runs the
 * round. It holds no protocol state of its own. Bottom to top:
 *
 * - session (layers/session-layer.ts): connections, handshake, versions, glare, decoding;
 *   with a secret, authentication and sealing (layers/session-trust.ts) and key rotation;
 * - overlay (layers/overlay.ts): active and passive views, admission, shuffles, healing;
 * - liveness (layers/liveness.ts): silence, Ping and Pong, dead peers;
 * - broadcast (layers/broadcast.ts + push-tree.ts): pushed deltas on per-origin trees; repair (layers/repair.ts): anti-entropy;
 * - presence (layers/presence.ts): awareness on the trees;
 * - signal relay (layers/mesh-relay.ts): WebRTC signals through the mesh;
 * - peer scoring (layers/peer-score.ts): budgets charged before decoding, scores, backoff.
 * - membership (engine/membership.ts): the failure detector, members, user events and queries.
 *
 * Broadcast and repair reach the document through a {@link Content}: the {@link Replica} in
 * an open room, the signed replica (trust/signed-replica.ts) in a room with a secret.
 */
import type { TimerHandle } from '../clock.js'
import type { RoomKeys } from '../crypto/room-keys.js'
import { Broadcast } from '../layers/broadcast.js'
import { Liveness } from '../layers/liveness.js'
import { MeshRelay } from '../layers/mesh-relay.js'
import { PeerScore } from '../layers/peer-score.js'
import { Overlay } from '../layers/overlay.js'
import { REDISCOVER_MAX_MS } from '../layers/rediscovery.js'
import { Presence } from '../layers/presence.js'
import { Repair } from '../layers/repair.js'
import { SessionLayer } from '../layers/session-layer.js'
import type { SessionDown } from './session-ports.js'
import { hash53 } from '../hash.js'
import { CloseCode } from '../protocol/messages.js'
import type { Content } from '../content.js'
import { Replica } from '../replica.js'
import { REWIRE_CHANCE } from '../room-config.js'
import type { PeerId } from '../transport.js'
import { Activity } from './activity.js'
import type { LayerContext, LinkInfo } from './context.js'
import type { RoomFrame } from './dispatch.js'
import { frameRoutes } from './frame-routes.js'
import { FrameMeter } from './frame-meter.js'
import { rediscoverPeers, startTransports, type TransportWiring } from './transport-start.js'
import { buildMembership, plainMembership, type Membership } from './membership.js'
import type { RoomEngineInit } from './room-engine-init.js'

/** What the room facade gives its engine (room-engine-init.ts). */
export type { RoomEngineInit } from './room-engine-init.js'

/** One room's engine. Internal: the public surface is the `Room` facade. */
export class RoomEngine {
  readonly #init: RoomEngineInit
  readonly ctx: LayerContext
  readonly content: Content
  readonly sessions: SessionLayer
  readonly overlay: Overlay
  readonly liveness: Liveness
  readonly broadcast: Broadcast
  readonly repair: Repair
  readonly presence: Presence
  readonly relay: MeshRelay
  readonly score: PeerScore
  readonly membership: Membership
  readonly meter = new FrameMeter()
  readonly #dispatch: (peer: PeerId, frame: RoomFrame) => void
  readonly #disposers: (() => void)[] = []
  readonly #phase: number
  #round = 0
  #timer: TimerHandle | undefined
  #stopped = false

  constructor(init: RoomEngineInit) {
    this.#init = init
    const { config, random } = init
    this.#phase = Math.floor(random.next() * 1_000_000)
    const ctx: LayerContext = {
      room: init.room,
      peerId: init.peerId,
      clock: init.clock,
      random,
      stats: init.stats,
      send: (peer, frame) => this.sessions.send(peer, frame),
      sendMany: (peers, frame) => this.sessions.sendMany(peers, frame),
      emit: init.emit,
      // Whatever a layer finds invalid about a peer also lowers its score.
      report: (error, peer) => {
        init.report(error, peer)
        this.score.reported(error, peer)
      },
      meter: this.meter,
    }
    this.ctx = ctx
    this.score = new PeerScore(ctx, config.budgets, {
      disconnect: (peer) => this.sessions.close(peer, CloseCode.ProtocolViolation),
      awaitingReply: (peer) => this.repair.awaiting(peer),
    })
    const activity = new Activity()
    this.content =
      init.content ??
      new Replica(
        init.doc,
        init.origin,
        (update) => void (this.#stopped || this.broadcast.publish(update)),
        {
          limits: config.limits,
          clock: init.clock,
          stats: init.stats,
          report: ctx.report,
          // A held update applied later is pushed on like a repair.
          released: (update, from) => this.broadcast.repaired(from, update, hash53(update)),
        },
      )
    this.sessions = new SessionLayer(ctx, { handshakeTimeoutMs: 3 * config.roundMs }, init.transports, init.signal, {
      learn: (peers, transport, source) => this.overlay.learn(peers, transport, source),
      join: (peer, priority) => (this.score.refuses(peer) ? { accept: false, code: CloseCode.ProtocolViolation, peers: [] } : this.overlay.join(peer, priority)),
      sample: (peer) => this.overlay.sample(peer),
      up: (peer, link) => this.#up(peer, link),
      down: (peer, info) => this.#down(peer, info),
      frame: (peer, frame) => {
        this.liveness.heard(peer)
        this.membership.detector.heard(peer)
        this.#dispatch(peer, frame)
      },
      admit: (peer, data) => this.score.admit(peer, data),
    }, init.trust)
    this.overlay = new Overlay(
      ctx,
      {
        maxNeighbours: config.maxNeighbours,
        minNeighbours: config.minNeighbours,
        maxPassive: config.maxPassive,
        reservationMs: 3 * config.roundMs,
        evictEveryMs: 5 * config.roundMs,
        retryMs: config.reconnectEveryRounds * config.roundMs,
        rediscoverMaxRounds: Math.ceil(REDISCOVER_MAX_MS / config.roundMs),
      },
      this.sessions,
      init.signal,
      () => rediscoverPeers(init.transports, init.room, ctx.report),
    )
    this.liveness = new Liveness(ctx, { suspectMs: config.suspectAfterRounds * config.roundMs }, { dead: (peer) => this.overlay.dead(peer) })
    const origin = (): number => init.doc.clientID
    const delivered = (peer: PeerId, changed: boolean, repair: boolean): void => this.score.delivered(peer, changed, repair)
    const lied = (peer: PeerId, what: string): void => this.score.lied(peer, what)
    this.broadcast = new Broadcast(ctx, { push: config.push, delivered, lied, budgets: config.budgets, catchUp: (peer) => this.repair.openExchange(peer), held: (peer) => this.repair.fetch(peer) }, this.content, activity, origin)
    this.repair = new Repair(
      ctx,
      // One round before a silent neighbour would get a Ping.
      { push: config.push, quietProbeMs: Math.max(1, config.suspectAfterRounds - 1) * config.roundMs, replyTimeoutMs: 4 * config.roundMs },
      this.content,
      activity,
      {
        lastHeard: (peer) => this.liveness.lastHeard(peer),
        repaired: (from, update, checksum) => {
          this.score.useful(from)
          this.broadcast.repaired(from, update, checksum)
        },
        synced: (peer) => init.onSynced(peer),
        exchangeDone: (peer) => this.overlay.exchangeDone(peer),
        lied,
        answered: (peer, inParts) => this.broadcast.answered(peer, inParts),
      },
    )
    this.presence = new Presence(ctx, init.awareness, config.presence, this.broadcast.tree, init.trust, config.limits, undefined, config.budgets)
    this.relay = new MeshRelay(ctx, init.trust)
    const membership = init.membership ?? plainMembership(init.peerId, config.members.maxMetaBytes)
    this.membership = buildMembership(ctx, config.members, membership, { neighbours: () => this.overlay.neighbours(), dead: (peer) => this.overlay.dead(peer) }, init.trust)
    this.#dispatch = frameRoutes(this)
    for (const peer of init.knownPeers ?? []) this.overlay.discovered(peer)
  }

  /** Starts the transports, joins the room's topic on each and schedules the first round. */
  async start(): Promise<void> {
    const { transports, signal, room, trust } = this.#init
    const wiring: TransportWiring = {
      ...{ room, peerId: this.ctx.peerId, signal, relay: this.relay, trust, stopped: () => this.#stopped, report: (error) => this.ctx.report(error) },
      admit: (peer, urgent) => !this.score.refuses(peer) && this.#admit(peer, urgent),
      discovered: (peer, transport) => {
        this.overlay.discovered(peer, transport)
        this.overlay.maintain(false)
      },
      opened: (connection) => {
        this.overlay.opened(connection.remotePeerId)
        this.sessions.accept(connection)
      },
    }
    await startTransports(transports, wiring, this.#disposers)
    if (this.#stopped) return
    this.membership.detector.start()
    this.membership.members.start()
    this.#timer = this.ctx.clock.setTimeout(() => this.#tick(), this.ctx.random.next() * this.#init.config.roundMs)
  }

  /**
   * May a transport set up an inbound connection from `peer`? In a room with a secret no
   * dialer is admitted to anything, nor makes anyone leave, before it is authenticated:
   * connections still authenticating use slots but never evict; an urgent dialer to a full
   * room gets one spare slot, and its (sealed) Hello asks for room once it is proven.
   */
  #admit(peer: PeerId, urgent: boolean): boolean {
    if (this.#init.trust === undefined) return this.overlay.admit(peer, urgent)
    const unproven = this.sessions.unproven()
    if (this.overlay.slotsUsed() + unproven < this.#init.config.maxNeighbours) return this.overlay.admit(peer, false)
    return urgent && unproven === 0 && this.overlay.admit(peer, true, false)
  }

  /** The room's current key generation changed (`room.rotateSecret`): open sessions rekey to it in band. */
  rekey(): void {
    this.sessions.trusted?.rekeyAll()
  }

  /** Generation `keys` ended its grace period: sessions still on it close (room-rotate.ts). */
  expire(keys: RoomKeys): void {
    this.sessions.trusted?.expire(keys)
  }

  #up(peer: PeerId, link: LinkInfo): void {
    this.overlay.up(peer, link)
    this.liveness.up(peer)
    this.broadcast.up(peer, link.neighbour)
    this.relay.up(peer, link.neighbour)
    this.membership.detector.up(peer, link.neighbour)
    this.membership.members.up(peer, link.neighbour)
    if (link.neighbour) this.ctx.emit('peer:join', { peerId: peer, transport: link.transport })
    this.presence.up(peer, link.neighbour)
    this.repair.up(peer, link)
    // A session that reached us anyway (we dialed, say) while the peer is in its backoff.
    if (this.score.refuses(peer)) this.sessions.close(peer, CloseCode.ProtocolViolation)
  }

  #down(peer: PeerId, info: SessionDown): void {
    if (info.wasUp) {
      this.liveness.down(peer)
      this.broadcast.down(peer)
      this.repair.down(peer)
      // Presence held for a peer that scoring cut off dies with its session.
      this.presence.down(peer, this.score.banned(peer))
      this.relay.down(peer)
      this.membership.detector.down(peer)
      this.membership.members.down(peer, info.cause === 'lost')
      this.ctx.emit('peer:leave', { peerId: peer, transport: info.transport })
    }
    if (!this.#stopped) this.overlay.down(peer, info)
  }

  #tick(): void {
    if (this.#stopped) return
    this.#round++
    const { shuffleEveryRounds, reconnectEveryRounds, roundMs } = this.#init.config
    const phase = this.#round + this.#phase
    this.liveness.tick()
    this.score.round()
    this.overlay.maintain(phase % shuffleEveryRounds === 1, true)
    this.broadcast.tick()
    this.repair.tick()
    if (phase % shuffleEveryRounds === 0) {
      this.overlay.periodicShuffle()
      this.#init.onKnownPeers?.([...this.overlay.neighbours(), ...this.overlay.views.passive()])
    }
    if (phase % reconnectEveryRounds === 0) {
      // Presence from every peer we know (live members too, while we know nobody else), each
      // state last delivered by a link we still hold, proves the overlay connected. Under
      // eclipse pressure only presence through peers we dialled counts; a calm room counts
      // every neighbour's, or it keeps rewiring for nothing (idle-churn.test.ts).
      const outbound = new Set(this.overlay.outbound())
      const vouched = this.overlay.admission.underPressure() ? (source: PeerId) => outbound.has(source) : undefined
      this.overlay.learnMembers(() => this.membership.members.listing.alive())
      const connected = this.overlay.neighbours().length > 0 && this.presence.seesEveryone(this.overlay.knownCount(), vouched)
      this.overlay.reconnect(REWIRE_CHANCE, connected)
    }
    this.#timer = this.ctx.clock.setTimeout(() => this.#tick(), roundMs)
  }

  /**
   * Says goodbye (presence, then every session, each told where else to go) and stops every
   * layer. The promise resolves once the goodbye went out (in a room with a secret it is
   * sealed asynchronously, see SessionLayer.leave): the transports, which are the room's to
   * stop (room-network.ts), must outlive it. A later session gets a new engine.
   */
  close(): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    this.broadcast.destroy() // local updates waiting for the pace go out before the goodbye
    this.presence.leave()
    this.membership.members.leave()
    this.overlay.closeAll(CloseCode.Leaving)
    this.#stopped = true
    if (this.#timer !== undefined) this.ctx.clock.clearTimeout(this.#timer)
    // Content the room made (a room with a secret) outlives this engine: the room destroys it.
    if (this.#init.content === undefined) this.content.destroy()
    this.repair.destroy()
    this.presence.destroy()
    this.relay.destroy()
    this.membership.detector.stop()
    this.membership.members.stop()
    this.membership.events.stop()
    for (const dispose of this.#disposers.splice(0)) dispose()
    return this.sessions.leave()
  }
}
