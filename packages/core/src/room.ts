/**
 * The room: one Y.Doc kept in sync by gossip. It wires transports to membership, pushes
 * fresh deltas to neighbours, forwards received ones, and runs anti-entropy every round.
 */
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { systemClock, type Clock, type TimerHandle } from './clock.js'
import { Emitter } from './emitter.js'
import { ListenerError, ProtocolError, RoomClosedError, TransportError } from './errors.js'
import type { Link } from './link.js'
import { abortable, gate } from './gate.js'
import { Gossip } from './gossip.js'
import { REWIRE_CHANCE, resolveRoomOptions, type RoomConfig } from './room-config.js'
import { Membership } from './membership.js'
import { Persistence } from './persistence.js'
import { Presence } from './presence.js'
import { PushTree } from './push-tree.js'
import { MeshRelay } from './relay.js'
import { encodeFrame, tryDecodeFrame } from './protocol/codec.js'
import { CloseCode, FrameType, type Frame } from './protocol/messages.js'
import { randomPeerId, systemRandom, type RandomSource } from './random.js'
import { Replica } from './replica.js'
import type { Room, RoomEvents, RoomOptions, RoomStats, SignalOptions } from './room-types.js'
import type { Connection, PeerId, Transport } from './transport.js'

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
  #peerId: PeerId
  readonly doc: Y.Doc
  readonly #clock: Clock
  readonly #random: RandomSource
  readonly #transports: readonly Transport[]
  readonly #config: RoomConfig
  readonly #emitter: Emitter<RoomEvents>
  readonly #replica: Replica
  readonly #membership: Membership
  readonly #gossip: Gossip
  readonly #tree: PushTree
  readonly #presence: Presence
  readonly #relay: MeshRelay
  readonly #persistence: Persistence | undefined
  readonly #membershipConfig: { peerId: PeerId }
  readonly #loadedGate = gate()
  readonly #syncedGate = gate()
  readonly #fixedPeerId: boolean
  readonly #controller = new AbortController()
  readonly #disposers: (() => void)[] = []
  readonly #stats: RoomStats = {
    framesSent: 0,
    bytesSent: 0,
    framesReceived: 0,
    bytesReceived: 0,
    deltasReceived: 0,
    duplicateDeltas: 0,
    payloadsReceived: 0,
    framesRejected: 0,
    antiEntropyRounds: 0,
    prunesSent: 0,
    graftsSent: 0,
  }
  #round = 0
  readonly #phase: number
  #timer: TimerHandle | undefined
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
    this.#peerId = options.peerId ?? randomPeerId(this.#random)
    this.#fixedPeerId = options.peerId !== undefined
    this.#phase = Math.floor(this.#random.next() * 1_000_000)
    this.#emitter = new Emitter<RoomEvents>((error, event) => {
      if (event === 'error') {
        console.error('gossamer: an error listener threw', error)
        return
      }
      this.#emitter.emit('error', { error: new ListenerError(`a "${event}" listener threw`, { cause: error }) })
    })
    this.#replica = new Replica(this.doc, this, (update) => {
      if (!this.#closed) this.#gossip.publish(update)
    })
    const host = {
      clock: this.#clock,
      random: this.#random,
      transports: this.#transports,
      signal: this.#controller.signal,
      send: (link: Link, frame: Frame) => this.#send(link, frame),
      onLinkUp: (link: Link) => this.#onLinkUp(link),
      onLinkDown: (link: Link) => {
        this.#tree.lost(link)
        this.#emitter.emit('peer:leave', { peerId: link.peerId, transport: link.connection.transport })
      },
      onError: (error: Error, peerId?: PeerId) => this.#error(error, peerId),
    }
    const membershipConfig = {
        room: this.name,
        peerId: this.#peerId,
        maxNeighbours: this.#config.maxNeighbours,
        minNeighbours: this.#config.minNeighbours,
        maxPassive: this.#config.maxPassive,
        roundMs: this.#config.roundMs,
        suspectAfterRounds: this.#config.suspectAfterRounds,
        handshakeTimeoutMs: 3 * this.#config.roundMs,
        retryMs: this.#config.reconnectEveryRounds * this.#config.roundMs,
      }
    this.#membershipConfig = membershipConfig
    this.#membership = new Membership(membershipConfig, host)
    const neighbours = (): Link[] => this.#membership.neighbours()
    const send = (link: Link, frame: Frame): void => this.#send(link, frame)
    const onError = (error: Error, peerId?: PeerId): void => this.#error(error, peerId)
    this.#tree = new PushTree({ room: this.name, origin: () => this.doc.clientID, stats: this.#stats, neighbours, send })
    this.#gossip = new Gossip({
      room: this.name,
      clock: this.#clock,
      random: this.#random,
      replica: this.#replica,
      stats: this.#stats,
      push: this.#config.push,
      // One round before a silent neighbour would get a Ping.
      quietProbeMs: Math.max(1, this.#config.suspectAfterRounds - 1) * this.#config.roundMs,
      tree: this.#tree,
      origin: () => this.doc.clientID,
      neighbours,
      send,
      sendBytes: (link, bytes) => this.#sendBytes(link, bytes),
      // Deltas only ever go to established links.
      encode: (frame) => encodeFrame(onLink(frame)),
      onSynced: (link) => this.#markSynced(link),
      onDelta: (event) => this.#emitter.emit('delta:receive', event),
      onError,
      onExchangeDone: (link) => {
        if (link.state === 'transient' && link.initiator) this.#membership.close(link, CloseCode.Done)
      },
    })
    this.#presence = new Presence(this.doc, { room: this.name, tree: this.#tree, neighbours, send, onError }, options.awareness, this.#config.presence)
    this.#relay = new MeshRelay({
      room: this.name,
      localPeerId: () => this.#peerId,
      random: this.#random,
      neighbours,
      send,
      onError,
    })
    this.#persistence =
      options.storage === undefined
        ? undefined
        : new Persistence(options.storage, {
            room: this.name,
            clock: this.#clock,
            random: this.#random,
            onPersisted: (records, bytes) => this.#emitter.emit('storage:persisted', { records, bytes }),
            onError,
          })
    const onDocDestroy = (): void => void this.close()
    this.doc.on('destroy', onDocDestroy)
    this.#disposers.push(() => this.doc.off('destroy', onDocDestroy))
    if (options.signal !== undefined) {
      const signal = options.signal
      const onAbort = (): void => void this.close()
      if (signal.aborted) queueMicrotask(onAbort)
      else signal.addEventListener('abort', onAbort, { once: true })
      this.#disposers.push(() => signal.removeEventListener('abort', onAbort))
    }
    void this.#start()
  }

  // ---- public surface -------------------------------------------------------------

  get peerId(): PeerId {
    return this.#peerId
  }

  get awareness(): Awareness {
    return this.#presence.awareness
  }

  get synced(): boolean {
    return this.#synced
  }

  get closed(): boolean {
    return this.#closed
  }

  on: Room['on'] = (event, listener) => this.#emitter.on(event, listener)
  once: Room['once'] = (event, listener) => this.#emitter.once(event, listener)
  off: Room['off'] = (event, listener) => this.#emitter.off(event, listener)

  neighbours(): PeerId[] {
    return this.#membership.neighbours().map((l) => l.peerId)
  }

  knownPeers(): PeerId[] {
    return this.#membership.views.passive()
  }

  stats(): RoomStats {
    return { ...this.#stats }
  }

  whenSynced(options: SignalOptions = {}): Promise<void> {
    return abortable(this.#syncedGate.promise, options.signal)
  }

  whenLoaded(options: SignalOptions = {}): Promise<void> {
    return abortable(this.#loadedGate.promise, options.signal)
  }

  async flush(options: SignalOptions = {}): Promise<void> {
    if (this.#persistence === undefined) return
    await this.#loadedGate.promise
    await this.#persistence.flush(options)
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown()
    return this.#closing
  }

  destroy(): void {
    void this.close()
  }

  // ---- lifecycle ------------------------------------------------------------------

  /** Loads the stored document and identity, before anything touches the network. */
  async #load(): Promise<void> {
    if (this.#persistence === undefined) return
    try {
      const opened = await this.#persistence.open(this.doc, !this.#fixedPeerId)
      if (opened.peerId !== undefined) {
        this.#peerId = opened.peerId
        this.#membershipConfig.peerId = opened.peerId
        this.#presence.follow(this.doc.clientID)
      }
      for (const peerId of opened.knownPeers) this.#membership.discovered(peerId)
    } catch (cause) {
      // The document keeps working in memory; it refills from peers.
      this.#error(cause instanceof Error ? cause : new Error(String(cause)))
    }
  }

  async #start(): Promise<void> {
    await this.#load()
    if (this.#closed) {
      this.#loadedGate.fail(new RoomClosedError('the room closed while loading'))
      return
    }
    this.#loadedGate.open()
    this.#emitter.emit('storage:loaded', { peerId: this.#peerId })
    for (const transport of this.#transports) {
      this.#disposers.push(
        transport.on('peer:discover', ({ peerId, topic }) => {
          if (topic !== this.name || this.#closed) return
          this.#membership.discovered(peerId, transport.name)
          this.#membership.maintain(this.#attach, false)
        }),
        transport.on('connection:open', ({ connection }) => this.#onInbound(connection)),
        transport.on('error', ({ error }) => this.#error(error)),
      )
    }
    await Promise.all(
      this.#transports.map(async (transport) => {
        try {
          await transport.start({
            peerId: this.peerId,
            signal: this.#controller.signal,
            admit: (peerId, request) => this.#membership.admit(peerId, request?.urgent === true),
            relay: this.#relay,
          })
          if (!this.#closed) transport.join(this.name)
        } catch (cause) {
          if (!this.#closed) this.#error(new TransportError(`transport ${transport.name} failed to start`, { cause }))
        }
      }),
    )
    if (this.#closed) return
    this.#timer = this.#clock.setTimeout(() => this.#tick(), this.#random.next() * this.#config.roundMs)
  }

  async #shutdown(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#syncedGate.fail(new RoomClosedError('the room closed before it synced'))
    this.#loadedGate.fail(new RoomClosedError('the room closed while loading'))
    this.#presence.leave()
    this.#membership.closeAll(CloseCode.Leaving)
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#controller.abort()
    this.#replica.destroy()
    this.#presence.destroy()
    this.#relay.destroy()
    try {
      await this.#persistence?.close()
    } catch (cause) {
      this.#error(cause instanceof Error ? cause : new Error(String(cause)))
    }
    for (const dispose of this.#disposers.splice(0)) dispose()
    await Promise.allSettled(this.#transports.map((t) => t.stop()))
    this.#emitter.clear()
  }

  #tick(): void {
    if (this.#closed) return
    this.#round++
    const { shuffleEveryRounds, reconnectEveryRounds } = this.#config
    this.#membership.checkLiveness()
    this.#membership.maintain(this.#attach, (this.#round + this.#phase) % this.#config.shuffleEveryRounds === 1, true)
    this.#tree.tick()
    this.#gossip.round(this.#membership.established())
    if ((this.#round + this.#phase) % shuffleEveryRounds === 0) {
      this.#membership.periodicShuffle()
      this.#persistence?.savePeers([...this.neighbours(), ...this.knownPeers()])
    }
    if ((this.#round + this.#phase) % reconnectEveryRounds === 0) {
      // Presence from every peer we know proves the overlay connected: no merging needed.
      this.#membership.reconnect(this.#attach, REWIRE_CHANCE, this.#presence.seesEveryone(this.#membership.knownCount()))
    }
    this.#timer = this.#clock.setTimeout(() => this.#tick(), this.#config.roundMs)
  }

  // ---- links ----------------------------------------------------------------------

  #onInbound(connection: Connection): void {
    if (this.#closed) {
      connection.close('room closed')
      return
    }
    this.#attach(this.#membership.accept(connection))
  }

  #attach = (link: Link): void => {
    link.disposers.push(
      link.connection.on('message', ({ data }) => this.#onData(link, data)),
      link.connection.on('close', () => {
        this.#membership.lost(link)
        if (!this.#closed) this.#membership.maintain(this.#attach, false)
      }),
    )
  }

  #onLinkUp(link: Link): void {
    if (link.state === 'neighbour') {
      this.#emitter.emit('peer:join', { peerId: link.peerId, transport: link.connection.transport })
      this.#presence.greet(link)
    }
    // The dialer opens the first exchange, so a newcomer syncs at once.
    if (link.initiator) this.#gossip.openExchange(link)
  }

  #send(link: Link, frame: Frame): void {
    let bytes: Uint8Array
    try {
      bytes = encodeFrame(link.state === 'neighbour' || link.state === 'transient' ? onLink(frame) : frame)
    } catch (error) {
      // encodeFrame refuses frames peers would reject: a bug here, never a crash.
      this.#error(error instanceof Error ? error : new Error(String(error)), link.peerId)
      return
    }
    this.#sendBytes(link, bytes)
  }

  #sendBytes(link: Link, bytes: Uint8Array): void {
    if (link.connection.closed) return
    this.#stats.framesSent++
    this.#stats.bytesSent += bytes.byteLength
    link.connection.send(bytes)
  }

  #error(error: Error, peerId?: PeerId): void {
    this.#emitter.emit('error', peerId === undefined ? { error } : { error, peerId })
  }

  #onData(link: Link, data: Uint8Array): void {
    if (link.state === 'closed' || this.#closed) return
    this.#stats.framesReceived++
    this.#stats.bytesReceived += data.byteLength
    try {
      const result = tryDecodeFrame(data, link.peerId)
      if (!result.ok) {
        this.#stats.framesRejected++
        this.#error(result.error, link.peerId)
        return
      }
      const frame = result.frame
      // An empty room means this link's room (membership refuses it before the handshake).
      if (frame.room !== this.name && frame.room !== '') {
        this.#stats.framesRejected++
        this.#error(new ProtocolError(`frame for unknown room "${frame.room}"`, link.peerId), link.peerId)
        if (link.state === 'handshake') this.#membership.close(link, CloseCode.UnknownRoom)
        return
      }
      link.lastHeard = this.#clock.now()
      if (this.#membership.handle(link, frame)) return
      if (frame.type === FrameType.Awareness) this.#presence.handle(link, frame)
      else if (frame.type === FrameType.Relay) this.#relay.handle(link, frame)
      else this.#gossip.handle(link, frame)
    } catch (error) {
      // Nothing may escape a network callback.
      this.#error(error instanceof Error ? error : new Error(String(error)), link.peerId)
    }
  }

  #markSynced(link: Link): void {
    link.synced = true
    if (this.#synced) return
    this.#synced = true
    this.#syncedGate.open()
    this.#emitter.emit('synced', { peerId: link.peerId })
  }
}

/** `frame` as sent on an established link: its room is implied, so the name is left out. */
function onLink(frame: Frame): Frame {
  if (frame.type === FrameType.Hello || frame.type === FrameType.Welcome || frame.type === FrameType.Reject) return frame
  return { ...frame, room: '' }
}
