/**
 * How the WebRTC transport's signals reach a peer it is not connected to: two
 * {@link SignalPath}s, the signaling-server client first and the room's mesh relay as the
 * fallback, so new links still form after every server is gone. A signal envelope is encoded
 * once, as the UTF-8 bytes of its JSON, and the same bytes go down whichever path takes them.
 * Discovery (`peers` answers) comes through the server client.
 */
import { ProtocolError, type PeerId, type SignalPath, type TransportSecrets } from '@gossamer/core'
import type { JsonValue } from './server-messages.js'
import type { ServerSignals } from './server-signals.js'

/** What signaling needs from the transport. */
export interface SignalingHost {
  /** A server listed `peerId` as a member of `room` (the original room name). */
  onDiscover(peerId: PeerId, room: string): void
  /** A signal for us arrived, decoded from JSON (not yet validated). */
  onSignal(from: PeerId, data: unknown): void
  /** A signal we sent was refused by every route (the servers do not know `to`, no relay). */
  onUndeliverable(to: PeerId, data: unknown): void
  onError(error: Error): void
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Signals over the server path with the mesh relay as fallback. Internal. */
export class Signaling {
  readonly #host: SignalingHost
  readonly #server: ServerSignals
  readonly #relay: SignalPath | undefined
  readonly #self: PeerId
  readonly #secrets: TransportSecrets | undefined
  readonly #offs: (() => void)[]
  /** Rooms joined with a secret, each with the unsubscribe of its topic changes. */
  readonly #following = new Map<string, () => void>()
  #stopped = false
  /** Signals handed to a server, and to the mesh relay. */
  sentViaServer = 0
  sentViaRelay = 0

  /**
   * Takes ownership of `server` (stops it with itself); `relay` belongs to the room. With
   * `secrets` (a room with a secret), every signal is sealed end to end for its recipient and
   * rooms meet on the secret's topic.
   */
  constructor(server: ServerSignals, relay: SignalPath | undefined, host: SignalingHost, self: PeerId, secrets?: TransportSecrets) {
    this.#host = host
    this.#server = server
    this.#relay = relay
    this.#self = self
    this.#secrets = secrets
    this.#offs = [
      server.on('signal', ({ from, data }) => this.#onSignal(from, data)),
      server.on('signal:undelivered', ({ to, data }) => this.#onServerUndelivered(to, data)),
      server.on('peer:discover', ({ peerId, room }) => host.onDiscover(peerId, room)),
      server.on('error', ({ error }) => host.onError(error)),
    ]
    if (relay !== undefined) this.#offs.push(relay.on('signal', ({ from, data }) => this.#onSignal(from, data)))
  }

  /** True when some signaling server is connected and welcomed us. */
  get serverReady(): boolean {
    return this.#server.ready
  }

  /** See {@link ServerSignals.whenSettled}. */
  whenSettled(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return this.#server.whenSettled(timeoutMs, signal)
  }

  /**
   * Joins a room on every server. A room with a secret meets on the topic of each key
   * generation it accepts, and follows its rotations at once (new topic joined, old one left
   * when its grace period ends).
   */
  join(room: string): void {
    const secrets = this.#secrets
    if (this.#stopped || this.#following.has(room)) return
    if (secrets === undefined) return this.#server.join(room)
    this.#server.join(room, { topicProofs: secrets.topicProofs ?? [secrets.topicProof] })
    const off = secrets.onTopicsChange?.(({ topicProofs }) => {
      if (!this.#stopped) this.#server.join(room, { topicProofs })
    })
    this.#following.set(room, off ?? (() => undefined))
  }

  /** Asks the servers again for the peers of a joined room (see {@link ServerSignals.rediscover}). */
  rediscover(room: string): void {
    if (!this.#stopped && this.#server.rediscover !== undefined) this.#server.rediscover(room)
  }

  /** Leaves a room on every server. */
  leave(room: string): void {
    this.#following.get(room)?.()
    this.#following.delete(room)
    this.#server.leave(room)
  }

  /**
   * Sends a signal to `to`: through a server that may know it, else through the mesh relay.
   * Returns false when no route exists right now.
   */
  send(to: PeerId, data: JsonValue): boolean {
    if (this.#stopped) return false
    const bytes = encoder.encode(JSON.stringify(data))
    const secrets = this.#secrets
    if (secrets === undefined) return this.#route(to, bytes)
    // Sealed for `to`: the route is found once the seal is done; no route is reported then.
    secrets.seal(bytes, { from: this.#self, to }).then(
      (sealed) => {
        if (!this.#stopped && !this.#route(to, sealed)) this.#host.onUndeliverable(to, data)
      },
      (cause) => this.#host.onError(new ProtocolError('cannot seal a signal', to, { cause })),
    )
    return true
  }

  #route(to: PeerId, bytes: Uint8Array): boolean {
    if (this.#server.send(to, bytes)) {
      this.sentViaServer++
      return true
    }
    return this.#viaRelay(to, bytes)
  }

  /** Stops the server client and detaches from the relay. Idempotent. */
  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    for (const off of this.#offs.splice(0)) off()
    for (const off of this.#following.values()) off()
    this.#following.clear()
    this.#server.stop()
  }

  #viaRelay(to: PeerId, bytes: Uint8Array): boolean {
    const relayed = this.#relay?.send(to, bytes) ?? false
    if (relayed) this.sentViaRelay++
    return relayed
  }

  /** No server knows `to`: try the relay, else tell the transport. */
  #onServerUndelivered(to: PeerId, bytes: Uint8Array): void {
    if (this.#stopped || this.#viaRelay(to, bytes)) return
    void this.#open(bytes, { from: this.#self, to }).then((plain) => {
      const value = plain === undefined ? undefined : this.#decode(plain, to)
      if (value !== undefined) this.#host.onUndeliverable(to, value)
    })
  }

  #onSignal(from: PeerId, bytes: Uint8Array): void {
    if (this.#stopped) return
    void this.#open(bytes, { from, to: this.#self }).then((plain) => {
      const value = plain === undefined || this.#stopped ? undefined : this.#decode(plain, from)
      if (value !== undefined) this.#host.onSignal(from, value)
    })
  }

  /** The plain bytes of a signal: as they came in an open room, opened in a room with a secret (undefined, reported, when they do not open). */
  async #open(bytes: Uint8Array, route: { from: PeerId; to: PeerId }): Promise<Uint8Array | undefined> {
    const secrets = this.#secrets
    if (secrets === undefined) return bytes
    try {
      return await secrets.open(bytes, route)
    } catch (cause) {
      this.#host.onError(new ProtocolError('a signal that is not sealed for us by a peer of the room; dropped', route.from, { cause }))
      return undefined
    }
  }

  /** The JSON value in `bytes`; undefined (reported) when they are not UTF-8 JSON. */
  #decode(bytes: Uint8Array, peer: PeerId): unknown {
    try {
      return JSON.parse(decoder.decode(bytes)) as unknown
    } catch (cause) {
      this.#host.onError(new ProtocolError('a signal is not UTF-8 JSON; dropped', peer, { cause }))
      return undefined
    }
  }
}
