/**
 * The room facade: the public {@link Room}. It validates options, loads storage, builds the
 * engine once the peer's identity is known, and exposes events, gates and counters. It
 * owns no protocol logic: frames go from the session layer straight to the engine's layers
 * (engine/room-engine.ts) and never pass through here.
 */
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { systemClock, type Clock } from './clock.js'
import type { Emitter } from './emitter.js'
import { RoomEngine } from './engine/room-engine.js'
import { deriveRoomKeys } from './crypto/room-keys.js'
import { ConfigError, RoomClosedError } from './errors.js'
import { abortable, gate } from './gate.js'
import { roomAwareness } from './layers/presence.js'
import type { Persistence } from './persistence.js'
import { randomPeerId, systemRandom, type RandomSource } from './random.js'
import { resolveRoomOptions, type RoomConfig } from './room-config.js'
import { establishIdentity } from './room-identity.js'
import type { Content } from './content.js'
import { signedContent, trustOptions } from './room-trust-setup.js'
import { prepareRoomTrust, type RoomTrust } from './trust/room-trust.js'
import { zeroStats, type Room, type RoomEvents, type RoomOptions, type RoomStats, type RotateSecretOptions, type SignalOptions } from './room-types.js'
import { RoomMembers } from './room-members.js'
import { closeWith, roomEmitter, roomPersistence, warnWithoutSecret } from './room-lifecycle.js'
import type { PeerId, Transport } from './transport.js'

/** How long `rotateSecret` keeps the previous secret accepted by default: ten minutes. */
const DEFAULT_GRACE_MS = 600_000

/**
 * Creates a room and starts joining peers in the background.
 *
 * @example
 * ```ts
 * const room = createRoom({ name: 'notes', doc: new Y.Doc(), transports: [network.transport()] })
 * room.on('peer:join', ({ peerId }) => console.log('hello', peerId))
 * await room.whenSynced()
 * ```
 */
export function createRoom(options: RoomOptions): Room {
  return new GossipRoom(options)
}

class GossipRoom implements Room {
  readonly name: string
  readonly doc: Y.Doc
  readonly awareness: Awareness
  #peerId: PeerId
  readonly #fixedPeerId: boolean
  readonly #trust: RoomTrust | undefined
  /** The room's secret is a password (a rotation takes a new password). */
  readonly #password: boolean
  readonly #content: Content | undefined
  readonly #ownsAwareness: boolean
  readonly #config: RoomConfig
  readonly #clock: Clock
  readonly #random: RandomSource
  readonly #transports: readonly Transport[]
  readonly #emitter: Emitter<RoomEvents>
  readonly #stats = zeroStats()
  readonly #persistence: Persistence | undefined
  readonly #loadedGate = gate()
  readonly #syncedGate = gate()
  readonly #controller = new AbortController()
  readonly #disposers: (() => void)[] = []
  readonly #members: RoomMembers
  readonly health: Room['health']
  #engine: RoomEngine | undefined
  #synced = false
  #closed = false
  #closing: Promise<void> | undefined

  constructor(options: RoomOptions) {
    this.#config = resolveRoomOptions(options)
    this.name = options.name
    this.doc = options.doc
    this.#clock = options.clock ?? systemClock()
    this.#random = options.random ?? systemRandom()
    this.#transports = [...options.transports]
    this.#fixedPeerId = options.peerId !== undefined
    this.#trust = this.#config.trusted ? prepareRoomTrust(trustOptions(options)) : undefined
    this.#password = options.password !== undefined
    if (this.#trust !== undefined) this.doc.clientID = this.#trust.clientId
    // Without storage (or with a secret) this id is final; with storage, a persisted identity replaces it before the engine starts.
    this.#peerId = this.#trust?.peerId ?? options.peerId ?? randomPeerId(this.#random)
    this.#ownsAwareness = options.awareness === undefined
    this.awareness = roomAwareness(this.doc, options.awareness, this.#config.presence)
    this.#emitter = roomEmitter()
    this.#persistence = roomPersistence(options.storage, { room: this.name, clock: this.#clock, random: this.#random, persisted: (records, bytes) => this.#emitter.emit('storage:persisted', { records, bytes }), report: (error) => this.#report(error) })
    this.#members = new RoomMembers({ name: this.name, clock: this.#clock, stats: this.#stats, maxMetaBytes: this.#config.members.maxMetaBytes, peerId: () => this.#peerId, engine: () => this.#engine, persist: (state) => this.#persistence?.saveMember(this.#peerId, state), report: (error) => this.#report(error) })
    this.health = this.#members.health
    this.#content =
      this.#trust === undefined
        ? undefined
        : signedContent({
            name: this.name,
            doc: this.doc,
            origin: this,
            trust: this.#trust,
            persistence: this.#persistence,
            publish: (payload) => this.#engine?.broadcast.publish(payload),
            report: (error, peer) => this.#report(error, peer),
          })
    this.#disposers.push(...closeWith(this.doc, options.signal, () => void this.close()))
    warnWithoutSecret(this.name, this.#config.trusted, this.#transports)
    void this.#start()
  }

  get peerId(): PeerId { return this.#peerId }
  get synced(): boolean { return this.#synced }
  get closed(): boolean { return this.#closed }

  on: Room['on'] = (event, listener) => this.#emitter.on(event, listener)
  once: Room['once'] = (event, listener) => this.#emitter.once(event, listener)
  off: Room['off'] = (event, listener) => this.#emitter.off(event, listener)

  neighbours = (): PeerId[] => this.#engine?.overlay.neighbours() ?? []
  knownPeers = (): PeerId[] => this.#engine?.overlay.views.passive() ?? []
  stats = (): RoomStats => ({ ...this.#stats })

  // Membership (room-members.ts): members, metadata, health, metrics, events and queries.
  members: Room['members'] = () => this.#members.members()
  setMeta: Room['setMeta'] = (meta) => this.#members.setMeta(meta)
  metrics = ((format?: 'prometheus') => (format === 'prometheus' ? this.#members.prometheus() : this.#members.metrics())) as Room['metrics']
  emit: Room['emit'] = (name, payload = null) => this.#members.emit(name, payload)
  query: Room['query'] = (name, payload = null, options) => this.#members.query(name, payload, options)
  onQuery: Room['onQuery'] = (name, handler) => this.#members.onQuery(name, handler)

  whenSynced(options: SignalOptions = {}): Promise<void> {
    return abortable(this.#syncedGate.promise, options.signal)
  }

  whenLoaded(options: SignalOptions = {}): Promise<void> {
    return abortable(this.#loadedGate.promise, options.signal)
  }

  async flush(options: SignalOptions = {}): Promise<void> {
    await this.#content?.settled?.()
    if (this.#persistence === undefined) return
    await this.#loadedGate.promise
    await this.#persistence.flush(options)
  }

  async rotateSecret(secretOrPassword: Uint8Array | string, options: RotateSecretOptions = {}): Promise<void> {
    if (this.#closed) throw new RoomClosedError('the room is closed')
    if (!this.#config.trusted) throw new ConfigError('rotateSecret: the room has no secret or password')
    if (this.#password && typeof secretOrPassword !== 'string') throw new ConfigError('rotateSecret: a password room takes a new password (a string)')
    const graceMs = options.graceMs ?? DEFAULT_GRACE_MS
    if (!Number.isFinite(graceMs) || graceMs < 0) throw new ConfigError('rotateSecret: graceMs must be a non-negative number')
    const keys = await deriveRoomKeys({
      room: this.name,
      ...(this.#password ? { password: secretOrPassword as string } : { secret: secretOrPassword }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })
    await abortable(this.#loadedGate.promise, options.signal)
    if (this.#closed || this.#engine === undefined) throw new RoomClosedError('the room closed during the rotation')
    this.#engine.rotate(keys, graceMs)
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown()
    return this.#closing
  }

  destroy(): void {
    void this.close()
  }

  async #start(): Promise<void> {
    const trust = this.#trust
    const { peerId, knownPeers } = await establishIdentity({
      trust,
      doc: this.doc,
      awareness: this.awareness,
      persistence: this.#persistence,
      peerId: this.#fixedPeerId ? this.#peerId : undefined,
      signal: this.#controller.signal,
      report: (error) => this.#report(error),
      fail: () => void this.close(),
    })
    if (peerId !== undefined) this.#peerId = peerId
    const stored = await this.#persistence?.loadMember(this.#peerId)
    if (stored !== undefined) this.#members.self.restore(stored)
    if (this.#closed) {
      this.#loadedGate.fail(new RoomClosedError('the room closed while loading'))
      return
    }
    this.#loadedGate.open()
    this.#emitter.emit('storage:loaded', { peerId: this.#peerId })
    // The identity is final now: the engine is built with it, once.
    const persistence = this.#persistence
    this.#engine = new RoomEngine({
      room: this.name,
      peerId: this.#peerId,
      doc: this.doc,
      origin: this,
      awareness: this.awareness,
      config: this.#config,
      clock: this.#clock,
      random: this.#random,
      transports: this.#transports,
      stats: this.#stats,
      signal: this.#controller.signal,
      emit: (event, payload) => this.#emitter.emit(event, payload),
      report: (error, peer) => this.#report(error, peer),
      onSynced: (peer) => this.#markSynced(peer),
      knownPeers,
      membership: this.#members.init(),
      ...(trust === undefined ? {} : { trust }),
      ...(this.#content === undefined ? {} : { content: this.#content }),
      ...(persistence === undefined ? {} : { onKnownPeers: (peers: PeerId[]) => persistence.savePeers(peers) }),
    })
    await this.#engine.start()
  }

  async #shutdown(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#syncedGate.fail(new RoomClosedError('the room closed before it synced'))
    this.#loadedGate.fail(new RoomClosedError('the room closed while loading'))
    this.#engine?.close()
    this.#members.close()
    this.#controller.abort()
    if (this.#ownsAwareness) this.awareness.destroy()
    try {
      await this.#persistence?.close()
    } catch (cause) {
      this.#report(cause instanceof Error ? cause : new Error(String(cause)))
    }
    for (const dispose of this.#disposers.splice(0)) dispose()
    await Promise.allSettled(this.#transports.map((t) => t.stop()))
    this.#emitter.clear()
  }

  #report(error: Error, peerId?: PeerId): void {
    this.#emitter.emit('error', peerId === undefined ? { error } : { error, peerId })
  }

  #markSynced(peerId: PeerId): void {
    if (this.#synced) return
    this.#synced = true
    this.#syncedGate.open()
    this.#emitter.emit('synced', { peerId })
  }
}

