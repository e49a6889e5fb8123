/**
 * The client behind `serverSignals()`: signaling sockets (one per server URL), the rooms
 * joined on them, the routing of a signal to the first server that may know its addressee,
 * and the base64url coding of payloads in the servers' `data` field.
 */
import {
  Emitter,
  ListenerError,
  ProtocolError,
  fromBase64Url,
  toBase64Url,
  type Clock,
  type Listener,
  type PeerId,
} from '@gossamer/core'
import type { Backoff } from './backoff.js'
import type { WebSocketConstructor } from './options.js'
import type { JsonValue } from './server-messages.js'
import type { ServerSignals, ServerSignalsEvents } from './server-signals.js'
import { SignalingSocket, type TopicJoin } from './signaling-socket.js'
import { base64url, roomTopic, topicFromProof, topicOf, type RoomTopic } from './topic.js'

/**
 * Every client joins this topic (hashed) besides its rooms, and signals travel on it, so
 * any two peers on one server can signal each other whatever rooms they are in. It is joined
 * without a proof, so the server never lists its members to anybody (a proof would be
 * worthless anyway: the name is public). Discovery happens on room topics only.
 */
export const SIGNAL_TOPIC_NAME = 'gossamer/v2/signaling'

/**
 * Shortest spacing of two rediscoveries of one room, in ms: a repeated `join` costs one token
 * of the server's per-address join budget (20/s by default), shared by every tab behind it.
 */
export const REDISCOVER_MIN_MS = 2000

/** Most peers remembered per server as "unknown there" before the memory is cleared. */
const ROUTE_MEMORY = 4096

/** The client behind `serverSignals()`. Internal. */
export class ServerSignalsClient implements ServerSignals {
  readonly maxSignalBytes: number
  readonly #peerId: PeerId
  readonly #clock: Clock
  readonly #emitter = new Emitter<ServerSignalsEvents>((error, event) => {
    if (event !== 'error') this.#error(new ListenerError(`a server signals "${event}" listener threw`, { cause: error }))
  })
  readonly #sockets: SignalingSocket[]
  /** Topic → room name, for the rooms joined (derivation done). */
  readonly #rooms = new Map<string, string>()
  /** Room name → its topics and proofs (empty while the first derivation runs). */
  readonly #joined = new Map<string, RoomTopic[]>()
  /** Room name → its latest join request: a derivation that finishes after a newer one started is dropped. */
  readonly #requests = new Map<string, object>()
  /** The shared topic signals travel on; known once hashed (the sockets start then). */
  #signalTopic: string | undefined
  /** Room name → when it was last rediscovered. */
  readonly #rediscovered = new Map<string, number>()
  /** Peers each server said it does not know. */
  readonly #absent = new Map<SignalingSocket, Set<PeerId>>()
  #stopped = false

  constructor(peerId: PeerId, urls: readonly string[], maxSignalBytes: number, clock: Clock, backoff: Backoff, WebSocketImpl: WebSocketConstructor | undefined) {
    this.#peerId = peerId
    this.#clock = clock
    this.maxSignalBytes = maxSignalBytes
    this.#sockets =
      WebSocketImpl === undefined
        ? []
        : urls.map(
            (url) =>
              new SignalingSocket(url, {
                peerId,
                clock,
                backoff,
                WebSocket: WebSocketImpl,
                topics: () => this.#topics(),
                onPeers: (socket, topic, peers) => this.#onPeers(socket, topic, peers),
                onSignal: (socket, from, _topic, data) => this.#onSignal(socket, from, data),
                onUndelivered: (socket, to, data) => this.#onUndelivered(socket, to, data),
                onReadyChange: (socket) => this.#absent.delete(socket),
                onError: (error) => this.#error(error),
              }),
          )
    // Sockets start once the signaling topic is known, so it is always the first topic joined.
    topicOf(SIGNAL_TOPIC_NAME).then(
      (topic) => {
        if (this.#stopped) return
        this.#signalTopic = topic
        for (const socket of this.#sockets) socket.start()
      },
      (cause) => {
        this.#error(new ProtocolError('cannot hash the signaling topic: no signaling server is used', undefined, { cause }))
        for (const socket of this.#sockets) socket.stop()
      },
    )
  }

  on<K extends keyof ServerSignalsEvents & string>(event: K, listener: Listener<ServerSignalsEvents[K]>): () => void {
    return this.#emitter.on(event, listener)
  }

  once<K extends keyof ServerSignalsEvents & string>(event: K, listener: Listener<ServerSignalsEvents[K]>): () => void {
    return this.#emitter.once(event, listener)
  }

  off<K extends keyof ServerSignalsEvents & string>(event: K, listener: Listener<ServerSignalsEvents[K]>): void {
    this.#emitter.off(event, listener)
  }

  get ready(): boolean {
    return !this.#stopped && this.#sockets.some((s) => s.ready)
  }

  whenSettled(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const settled = Promise.all(this.#sockets.map((s) => s.settled))
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#clock.clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = this.#clock.setTimeout(done, timeoutMs)
      signal.addEventListener('abort', done, { once: true })
      void settled.then(done)
    })
  }

  join(room: string, options: { topicProof?: Uint8Array; topicProofs?: readonly Uint8Array[] } = {}): void {
    const proofs = options.topicProofs ?? (options.topicProof === undefined ? undefined : [options.topicProof])
    // Joining again changes nothing, unless it names other topic proofs (a rotated room).
    if (this.#stopped || (this.#joined.has(room) && proofs === undefined)) return
    if (!this.#joined.has(room)) this.#joined.set(room, [])
    const request = {}
    this.#requests.set(room, request)
    const derived = proofs === undefined ? roomTopic(room).then((d) => [d]) : Promise.all(proofs.map((p) => topicFromProof(p).then((topic) => ({ topic, proof: base64url(p) }))))
    derived.then(
      (topics) => {
        if (this.#stopped || this.#requests.get(room) !== request) return
        this.#retopic(room, topics)
      },
      (cause) => this.#error(new ProtocolError(`cannot derive the topic of room "${room}"`, undefined, { cause })),
    )
  }

  leave(room: string): void {
    if (!this.#joined.has(room)) return
    this.#retopic(room, [])
    this.#joined.delete(room)
    this.#requests.delete(room)
    this.#rediscovered.delete(room)
  }

  rediscover(room: string): void {
    const topics = this.#joined.get(room)
    if (this.#stopped || topics === undefined || topics.length === 0) return
    const now = this.#clock.now()
    const last = this.#rediscovered.get(room)
    if (last !== undefined && now - last < REDISCOVER_MIN_MS) return
    this.#rediscovered.set(room, now)
    // A socket not welcomed yet drops it: it joins every topic (and gets peers) on welcome.
    for (const { topic, proof } of topics) for (const socket of this.#sockets) socket.join(topic, proof)
  }

  /** Moves `room` to `topics`: leaves the topics it no longer has, joins the new ones. */
  #retopic(room: string, topics: RoomTopic[]): void {
    const before = this.#joined.get(room) ?? []
    this.#joined.set(room, topics)
    for (const old of before) {
      if (topics.some((t) => t.topic === old.topic)) continue
      this.#rooms.delete(old.topic)
      for (const socket of this.#sockets) socket.leave(old.topic)
    }
    for (const next of topics) {
      if (before.some((t) => t.topic === next.topic)) continue
      this.#rooms.set(next.topic, room)
      for (const socket of this.#sockets) socket.join(next.topic, next.proof)
    }
  }

  send(to: PeerId, data: Uint8Array): boolean {
    if (this.#stopped || data.byteLength > this.maxSignalBytes) return false
    return this.#sendText(to, toBase64Url(data))
  }

  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    for (const socket of this.#sockets) socket.stop()
    this.#rooms.clear()
    this.#joined.clear()
    this.#requests.clear()
    this.#rediscovered.clear()
    this.#absent.clear()
  }

  /** Hands base64url text to the first ready server not known to lack `to`. */
  #sendText(to: PeerId, text: string): boolean {
    const topic = this.#signalTopic
    if (topic === undefined) return false
    for (const socket of this.#sockets) {
      if (socket.ready && this.#absent.get(socket)?.has(to) !== true && socket.signal(topic, to, text)) return true
    }
    return false
  }

  *#topics(): Iterable<TopicJoin> {
    if (this.#signalTopic !== undefined) yield { topic: this.#signalTopic }
    for (const topics of this.#joined.values()) yield* topics
  }

  #seen(socket: SignalingSocket, peerId: PeerId): void {
    this.#absent.get(socket)?.delete(peerId)
  }

  #onPeers(socket: SignalingSocket, topic: string, peers: string[]): void {
    const room = this.#rooms.get(topic)
    if (room === undefined || this.#stopped) return
    for (const peerId of peers) {
      if (peerId === this.#peerId) continue
      this.#seen(socket, peerId)
      this.#emitter.emit('peer:discover', { peerId, room })
    }
  }

  #onSignal(socket: SignalingSocket, from: PeerId, data: JsonValue): void {
    if (this.#stopped) return
    this.#seen(socket, from)
    const bytes = typeof data === 'string' ? fromBase64Url(data) : undefined
    if (bytes === undefined) {
      this.#error(new ProtocolError(`a signal through ${socket.url} is not base64url bytes; dropped`, from))
      return
    }
    this.#emitter.emit('signal', { from, data: bytes })
  }

  /** A server answered `unknown-peer` (or `not-joined`): try the next one, else report it. */
  #onUndelivered(socket: SignalingSocket, to: PeerId, data: JsonValue): void {
    if (this.#stopped || typeof data !== 'string') return
    let absent = this.#absent.get(socket)
    if (absent === undefined) {
      absent = new Set()
      this.#absent.set(socket, absent)
    }
    if (absent.size >= ROUTE_MEMORY) absent.clear()
    absent.add(to)
    if (this.#sendText(to, data)) return
    const bytes = fromBase64Url(data)
    if (bytes !== undefined) this.#emitter.emit('signal:undelivered', { to, data: bytes })
  }

  #error(error: Error): void {
    this.#emitter.emit('error', { error })
  }
}
