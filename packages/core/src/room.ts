/**
 * The room facade: the public {@link Room}. It validates options, loads storage, builds an
 * engine for each network session once the peer's identity is known (room-network.ts), and
 * exposes events, gates and counters (provider-state.ts). It owns no protocol logic: frames
 * go from the session layer straight to the engine's layers (engine/room-engine.ts) and
 * never pass through here.
 */
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { systemClock, type Clock, type TimerHandle } from './clock.js'
import type { Emitter } from './emitter.js'
import { RoomClosedError, SetupTimeoutError } from './errors.js'
import { abortable, gate } from './gate.js'
import { roomAwareness } from './layers/presence.js'
import { roomPersistence, type Persistence } from './persistence.js'
import { ProviderState } from './provider-state.js'
import { randomPeerId, systemRandom, type RandomSource } from './random.js'
import { resolveRoomOptions, type RoomConfig } from './room-config.js'
import { roomEmitter } from './room-emitter.js'
import { establishIdentity } from './room-identity.js'
import { RoomMembers } from './room-members.js'
import { closeWhen } from './room-lifetime.js'
import { RoomNetwork } from './room-network.js'
import type { Content } from './content.js'
import { signedContent, trustOptions } from './room-trust-setup.js'
import { prepareRoomTrust, type RoomTrust } from './trust/room-trust.js'
import { claimTransports } from './transports/transport-claim.js'
import { RoomRotation } from './room-rotate.js'
import type { Room, RoomEvents, RoomOptions, RoomStats, SignalOptions, WhenSyncedOptions } from './room-types.js'
import { zeroStats } from './room-stats.js'
import type { PeerId } from './transport.js'

/** How long `close()` waits for a setup still running (keys, identity, storage) before it closes without it, in ms. */
export const CLOSE_SETUP_WAIT_MS = 10_000

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
  readonly #rotation: RoomRotation
  readonly #content: Content | undefined
  readonly #ownsAwareness: boolean
  readonly #config: RoomConfig
  readonly #clock: Clock
  readonly #random: RandomSource
  readonly #emitter: Emitter<RoomEvents>
  readonly #state: ProviderState
  readonly #network: RoomNetwork
  readonly #stats = zeroStats()
  readonly #persistence: Persistence | undefined
  readonly #loadedGate = gate()
  readonly #controller = new AbortController()
  readonly #unwatch: () => void
  readonly #members: RoomMembers
  readonly health: Room['health']
  #closed = false
  #closing: Promise<void> | undefined
  /** Settles once the setup (keys, identity, storage) settled. */
  readonly #starting: Promise<void>

  constructor(options: RoomOptions) {
    this.#config = resolveRoomOptions(options)
    this.name = options.name
    this.doc = options.doc
    this.#clock = options.clock ?? systemClock()
    this.#random = options.random ?? systemRandom()
    const transports = [...options.transports]
    this.#fixedPeerId = options.peerId !== undefined
    this.#trust = this.#config.trusted ? prepareRoomTrust(trustOptions(options)) : undefined
    if (this.#trust !== undefined) this.doc.clientID = this.#trust.clientId
    // Final without storage; with storage, the persisted identity may replace it before the engine starts (room-identity.ts).
    this.#peerId = this.#trust?.peerId ?? options.peerId ?? randomPeerId(this.#random)
    this.#ownsAwareness = options.awareness === undefined
    this.awareness = roomAwareness(this.doc, options.awareness, this.#config.presence)
    this.#emitter = roomEmitter()
    const online = options.connect !== false
    this.#state = new ProviderState((event, payload) => this.#emitter.emit(event, payload), this.#clock, online)
    this.#persistence = roomPersistence(options.storage, {
      room: this.name,
      clock: this.#clock,
      random: this.#random,
      onPersisted: (records, bytes) => this.#emitter.emit('storage:persisted', { records, bytes }),
      onError: (error) => this.#report(error),
      ...(this.#trust === undefined ? {} : { trust: this.#trust, encrypt: this.#config.encryptStorage, origin: this }),
    })
    // Members (room-members.ts): metadata, health checks and query handlers outlive each network session.
    this.#members = new RoomMembers({ name: this.name, clock: this.#clock, stats: this.#stats, maxMetaBytes: this.#config.members.maxMetaBytes, peerId: () => this.#peerId, engine: () => this.#network.engine, persist: (state) => this.#persistence?.saveMember(this.#peerId, state), report: (error) => this.#report(error) })
    this.health = this.#members.health
    const publish = (payload: Uint8Array): void => this.#network.engine?.broadcast.publish(payload)
    const report = (error: Error, peer?: PeerId): void => this.#report(error, peer)
    const persistence = this.#persistence
    this.#content = this.#trust && signedContent({ name: this.name, doc: this.doc, origin: this, trust: this.#trust, persistence, publish, report, stats: this.#stats, depth: this.#config.limits.depth, partBytes: this.#config.limits.updateBytes })
    // Each network session gets an engine with the same identity, document, trust and content.
    const engine = {
      ...{ room: this.name, doc: this.doc, origin: this, awareness: this.awareness, config: this.#config, clock: this.#clock, random: this.#random },
      ...{ transports, stats: this.#stats, emit: this.#state.forward, report, onSynced: (peer: PeerId) => this.#state.markSynced(peer) },
      membership: this.#members.init(),
      ...(this.#trust === undefined ? {} : { trust: this.#trust }),
      ...(this.#content === undefined ? {} : { content: this.#content }),
      ...(persistence === undefined ? {} : { onKnownPeers: (peers: PeerId[]) => persistence.savePeers(peers) }),
    }
    this.#network = new RoomNetwork({ engine, peerId: () => this.#peerId, signal: this.#controller.signal, report: (e) => this.#report(e), started: () => this.#rotation.online() }, online)
    const rotating = { name: this.name, trusted: this.#config.trusted, password: options.password !== undefined }
    this.#rotation = new RoomRotation({ room: rotating, trust: this.#trust, clock: this.#clock, engine: () => this.#network.engine, persistence, loaded: this.#loadedGate.promise, closed: () => this.#closed, report: (error) => this.#report(error) })
    // Everything that can throw has run: the transports become this room's.
    claimTransports(transports, this.name)
    this.#unwatch = closeWhen(this.doc, options.signal, () => void this.close())
    this.#starting = this.#start()
  }

  get peerId(): PeerId { return this.#peerId }
  get synced(): boolean { return this.#state.synced }
  get connected(): boolean { return this.#state.connected }
  get closed(): boolean { return this.#closed }

  on: Room['on'] = (event, listener) => this.#emitter.on(event, listener)
  once: Room['once'] = (event, listener) => this.#emitter.once(event, listener)
  off: Room['off'] = (event, listener) => this.#emitter.off(event, listener)

  neighbours(): PeerId[] {
    return this.#network.engine?.overlay.neighbours() ?? []
  }

  knownPeers(): PeerId[] {
    return this.#network.knownPeers()
  }

  stats(): RoomStats {
    return { ...this.#stats }
  }

  // Membership (room-members.ts): members, metadata, health, metrics, events and queries.
  members: Room['members'] = () => this.#members.members()
  setMeta: Room['setMeta'] = (meta) => this.#members.setMeta(meta)
  metrics = ((format?: 'prometheus') => (format === 'prometheus' ? this.#members.prometheus() : this.#members.metrics())) as Room['metrics']
  emit: Room['emit'] = (name, payload = null) => this.#members.emit(name, payload)
  query: Room['query'] = (name, payload = null, options) => this.#members.query(name, payload, options)
  onQuery: Room['onQuery'] = (name, handler) => this.#members.onQuery(name, handler)

  whenSynced(options: WhenSyncedOptions = {}): Promise<void> {
    return this.#state.whenSynced(options)
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

  rotateSecret: Room['rotateSecret'] = (secretOrPassword, options) => this.#rotation.rotateSecret(secretOrPassword, options)

  async connect(): Promise<void> {
    if (this.#closed) throw new RoomClosedError('connect(): the room is closed')
    this.#state.setConnected(true)
    // While the room loads, the network starts once the identity is settled.
    await this.#loadedGate.promise.catch(() => undefined)
    await this.#network.connect()
  }

  async disconnect(): Promise<void> {
    if (this.#closed) return
    const stopped = this.#network.disconnect()
    this.#state.setConnected(false)
    await stopped
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#shutdown())
  }

  destroy(): void { void this.close() }

  async #start(): Promise<void> {
    const { peerId, knownPeers } = await establishIdentity({
      trust: this.#trust,
      doc: this.doc,
      awareness: this.awareness,
      persistence: this.#persistence,
      peerId: this.#fixedPeerId ? this.#peerId : undefined,
      signal: this.#controller.signal,
      report: (error) => this.#report(error),
      fail: (error) => {
        this.#loadedGate.fail(error)
        void this.close()
      },
    })
    if (peerId !== undefined) this.#peerId = peerId
    await this.#members.settle(this.#peerId, this.#persistence)
    if (this.#closed) return // closing failed the loaded gate (with the load's error, if it failed)
    this.#loadedGate.open()
    this.#emitter.emit('storage:loaded', { peerId: this.#peerId })
    // The identity is final now: every engine is built with it.
    await this.#network.ready(knownPeers)
  }

  async #shutdown(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#loadedGate.fail(new RoomClosedError('the room closed while loading'))
    const stopped = this.#network.close()
    this.#rotation.close()
    this.#members.close()
    this.#state.close()
    // The goodbye (signed presence removal, Disconnect) goes out before the transports stop.
    await stopped
    // A setup still running finishes first (keys, then storage opened with them): edits typed before are signed and stored, never dropped.
    // Not forever: storage that never answers must not keep close() (and an app's unmount) waiting.
    const settled = this.#persistence === undefined || (await this.#setupSettled(CLOSE_SETUP_WAIT_MS))
    this.#content?.destroy()
    this.#controller.abort()
    if (this.#ownsAwareness) this.awareness.destroy()
    // Storage that kept the setup from finishing would keep its own close waiting too: it is
    // released in the background then (it ends whenever the storage answers).
    const released = this.#persistence?.close().catch((cause: unknown) => this.#report(cause instanceof Error ? cause : new Error(String(cause))))
    if (settled) await released
    this.#unwatch()
    this.#emitter.clear()
  }

  /** Waits for the setup to settle (its error reported): true; or `ms` on the room's clock (a {@link SetupTimeoutError} reported): false. */
  async #setupSettled(ms: number): Promise<boolean> {
    let timer: TimerHandle | undefined
    const deadline = new Promise<boolean>((resolve) => {
      timer = this.#clock.setTimeout(() => resolve(false), ms)
    })
    const settled = this.#starting.then(
      () => true,
      (cause: unknown) => {
        this.#report(cause instanceof Error ? cause : new Error(String(cause)))
        return true
      },
    )
    const done = await Promise.race([settled, deadline])
    if (timer !== undefined) this.#clock.clearTimeout(timer)
    if (!done) this.#report(new SetupTimeoutError(ms, `the room's setup (keys, identity, storage) did not finish within ${ms} ms of close(): closed without it, so edits made before may not be stored`))
    return done
  }

  #report(error: Error, peerId?: PeerId): void {
    this.#emitter.emit('error', peerId === undefined ? { error } : { error, peerId })
  }
}
