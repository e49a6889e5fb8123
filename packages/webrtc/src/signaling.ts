/**
 * How WebRTC signals reach a peer we are not connected to: through any signaling server
 * that knows the peer, and otherwise through the room's mesh relay, so new links still
 * form after every server is gone. Discovery (`peers` answers) also comes through here.
 */
import { ProtocolError, type Clock, type PeerId, type SignalRelay } from '@gossamer/core'
import type { Backoff } from './backoff.js'
import type { WebSocketConstructor } from './options.js'
import type { JsonValue } from './server-messages.js'
import { SignalingSocket, type TopicJoin } from './signaling-socket.js'
import { roomTopic, topicOf, type RoomTopic } from './topic.js'

/** What signaling needs from the transport. */
export interface SignalingHost {
  readonly peerId: PeerId
  readonly clock: Clock
  readonly backoff: Backoff
  readonly WebSocket: WebSocketConstructor | undefined
  /** A server listed `peerId` as a member of `room` (the original room name). */
  onDiscover(peerId: PeerId, room: string): void
  /** A signal for us arrived (not yet validated). */
  onSignal(from: PeerId, data: unknown): void
  /** A signal we sent was refused by every route (the servers do not know `to`, no relay). */
  onUndeliverable(to: PeerId, data: JsonValue): void
  onError(error: Error): void
}

/**
 * Every transport joins this topic (hashed) besides its rooms, and signals travel on it, so
 * any two peers on one server can signal each other whatever rooms they are in. It is joined
 * without a proof, so the server never lists its members to anybody (a proof would be
 * worthless anyway: the name is public). Discovery happens on room topics only.
 */
export const SIGNAL_TOPIC_NAME = 'gossamer/v2/signaling'

/** Most peers remembered per routing table before it is cleared (keeps memory bounded). */
const ROUTE_MEMORY = 4096
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Signaling over servers with the mesh relay as fallback. Internal. */
export class Signaling {
  readonly #host: SignalingHost
  readonly #sockets: SignalingSocket[]
  readonly #relay: SignalRelay | undefined
  readonly #offRelay: () => void
  /** Topic → room name, for the rooms joined (derivation done). */
  readonly #rooms = new Map<string, string>()
  /** Room name → its topic and proof, including joins whose derivation is still running. */
  readonly #joined = new Map<string, RoomTopic | undefined>()
  /** The shared topic every transport joins, so any two peers can signal each other. */
  #signalTopic: string | undefined
  /** Peers each server said it does not know. */
  readonly #absent = new Map<SignalingSocket, Set<PeerId>>()
  #stopped = false
  /** Signals handed to a server, and to the mesh relay. */
  sentViaServer = 0
  sentViaRelay = 0

  constructor(urls: readonly string[], host: SignalingHost, relay: SignalRelay | undefined) {
    this.#host = host
    this.#relay = relay
    const WebSocketImpl = host.WebSocket
    this.#sockets =
      WebSocketImpl === undefined
        ? []
        : urls.map(
            (url) =>
              new SignalingSocket(url, {
                peerId: host.peerId,
                clock: host.clock,
                backoff: host.backoff,
                WebSocket: WebSocketImpl,
                topics: () => this.#topics(),
                onPeers: (socket, topic, peers) => this.#onPeers(socket, topic, peers),
                onSignal: (socket, from, _topic, data) => {
                  this.#seen(socket, from)
                  host.onSignal(from, data)
                },
                onUndelivered: (socket, to, data) => this.#onUndelivered(socket, to, data),
                onReadyChange: (socket) => this.#absent.delete(socket),
                onError: (error) => host.onError(error),
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
        host.onError(new ProtocolError('cannot hash the signaling topic: no signaling server is used', undefined, { cause }))
        for (const socket of this.#sockets) socket.stop()
      },
    )
    this.#offRelay = relay === undefined ? () => {} : relay.on('signal', ({ from, data }) => this.#onRelayed(from, data))
  }

  /** True when some signaling server is connected and welcomed us. */
  get serverReady(): boolean {
    return this.#sockets.some((s) => s.ready)
  }

  /**
   * Resolves once every server has either welcomed us or failed its first attempt (so a
   * transport that just started can signal at once when a server is up), after `timeoutMs`
   * at most, or when `signal` aborts.
   */
  whenSettled(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const settled = Promise.all(this.#sockets.map((s) => s.settled))
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#host.clock.clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = this.#host.clock.setTimeout(done, timeoutMs)
      signal.addEventListener('abort', done, { once: true })
      void settled.then(done)
    })
  }

  /**
   * Joins a room: its topic is joined, with the room's proof, on every server now and after
   * each reconnect. (Rooms with a secret will pass their topic key to `roomTopic` here.)
   */
  join(room: string): void {
    if (this.#stopped || this.#joined.has(room)) return
    this.#joined.set(room, undefined)
    roomTopic(room).then(
      (derived) => {
        if (this.#stopped || !this.#joined.has(room)) return
        this.#joined.set(room, derived)
        this.#rooms.set(derived.topic, room)
        for (const socket of this.#sockets) socket.join(derived.topic, derived.proof)
      },
      (cause) => this.#host.onError(new ProtocolError(`cannot derive the topic of room "${room}"`, undefined, { cause })),
    )
  }

  /** Leaves a room on every server. */
  leave(room: string): void {
    if (!this.#joined.has(room)) return
    const derived = this.#joined.get(room)
    this.#joined.delete(room)
    if (derived === undefined) return
    this.#rooms.delete(derived.topic)
    for (const socket of this.#sockets) socket.leave(derived.topic)
  }

  /**
   * Sends a signal to `to`: through a server that may know it, else through the mesh relay.
   * Returns false when no route exists right now.
   */
  send(to: PeerId, data: JsonValue): boolean {
    if (this.#stopped) return false
    const topic = this.#signalTopic
    if (topic !== undefined) {
      for (const socket of this.#sockets) {
        if (socket.ready && this.#absent.get(socket)?.has(to) !== true && socket.signal(topic, to, data)) {
          this.sentViaServer++
          return true
        }
      }
    }
    const relayed = this.#relay?.send(to, encoder.encode(JSON.stringify(data))) ?? false
    if (relayed) this.sentViaRelay++
    return relayed
  }

  /** Closes every socket and detaches from the relay. Idempotent. */
  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    this.#offRelay()
    for (const socket of this.#sockets) socket.stop()
    this.#rooms.clear()
    this.#joined.clear()
    this.#absent.clear()
  }

  *#topics(): Iterable<TopicJoin> {
    if (this.#signalTopic !== undefined) yield { topic: this.#signalTopic }
    for (const derived of this.#joined.values()) if (derived !== undefined) yield derived
  }

  #seen(socket: SignalingSocket, peerId: PeerId): void {
    this.#absent.get(socket)?.delete(peerId)
  }

  #onPeers(socket: SignalingSocket, topic: string, peers: string[]): void {
    const room = this.#rooms.get(topic)
    if (room === undefined) return
    for (const peerId of peers) {
      if (peerId === this.#host.peerId) continue
      this.#seen(socket, peerId)
      this.#host.onDiscover(peerId, room)
    }
  }

  #onUndelivered(socket: SignalingSocket, to: PeerId, data: JsonValue): void {
    let absent = this.#absent.get(socket)
    if (absent === undefined) {
      absent = new Set()
      this.#absent.set(socket, absent)
    }
    if (absent.size >= ROUTE_MEMORY) absent.clear()
    absent.add(to)
    // Try the next route: another server, then the relay.
    if (!this.send(to, data)) this.#host.onUndeliverable(to, data)
  }

  #onRelayed(from: PeerId, bytes: Uint8Array): void {
    let value: unknown
    try {
      value = JSON.parse(decoder.decode(bytes))
    } catch (cause) {
      this.#host.onError(new ProtocolError('a relayed signal is not UTF-8 JSON; dropped', from, { cause }))
      return
    }
    this.#host.onSignal(from, value)
  }
}
